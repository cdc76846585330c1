/** The switch main passes to the renderer (via additionalArguments) carrying the shell's version. */
export const APP_VERSION_SWITCH = "--kiosk-app-version";

/** The switch that sets the server URL on the kiosk's command line. */
export const SERVER_SWITCH = "--server";

/** Formats `--name=value`, the only switch form the kiosk reads. */
export function formatSwitch(name: string, value: string): string {
  return `${name}=${value}`;
}

/** The value of the last `--name=value` in argv, or undefined when the switch is absent. */
export function switchValue(argv: readonly string[], name: string): string | undefined {
  const prefix = `${name}=`;
  let value: string | undefined;
  for (const arg of argv) {
    if (arg.startsWith(prefix)) value = arg.slice(prefix.length);
  }
  return value;
}
