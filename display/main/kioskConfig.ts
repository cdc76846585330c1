import { KioskConfigSchema } from "../../shared/schemas/kioskConfig";
import type { KioskConfig } from "../../shared/schemas/kioskConfig";
import { SERVER_SWITCH, switchValue } from "./commandLine";

/** The server a kiosk talks to when nothing else is configured: a server on the same machine. */
export const DEFAULT_SERVER_URL = "http://127.0.0.1:8080";

/** The environment variable that sets the server URL. */
export const SERVER_URL_ENV = "SIGNAGE_SERVER_URL";

/** Where the kiosk's settings may come from, highest precedence first. */
export interface KioskConfigSources {
  /** The process's command line; `--server=URL` wins over everything else. */
  readonly argv: readonly string[];
  /** The process environment; SIGNAGE_SERVER_URL comes second. */
  readonly env: Readonly<Record<string, string | undefined>>;
  /** Text of `<userData>/kiosk.json`, or undefined when there is no such file. */
  readonly fileText?: string | undefined;
  /** How to name that file in error sentences. */
  readonly filePath?: string;
}

/** The kiosk's settings, or the one sentence telling an installer what is wrong. */
export type KioskConfigResult = { ok: true; config: KioskConfig } | { ok: false; error: string };

const EXAMPLE = '{"serverUrl": "https://signage.example.gov"}';

function fromUrl(value: string, source: string): KioskConfigResult {
  const parsed = KioskConfigSchema.safeParse({ serverUrl: value });
  if (parsed.success) return { ok: true, config: parsed.data };
  return {
    ok: false,
    error: `The server URL ${JSON.stringify(value)} from ${source} is not a valid http or https URL.`,
  };
}

function fromFile(text: string, filePath: string): KioskConfigResult {
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    return { ok: false, error: `${filePath} is not valid JSON; write it like ${EXAMPLE}.` };
  }
  const parsed = KioskConfigSchema.safeParse(json);
  if (parsed.success) return { ok: true, config: parsed.data };
  const serverUrl =
    typeof json === "object" && json !== null && "serverUrl" in json ? json.serverUrl : undefined;
  const onlyUrlIsWrong = parsed.error.issues.every((issue) => issue.path[0] === "serverUrl");
  if (typeof serverUrl === "string" && onlyUrlIsWrong) return fromUrl(serverUrl, filePath);
  return {
    ok: false,
    error: `${filePath} must hold exactly one "serverUrl" string, like ${EXAMPLE}.`,
  };
}

/** Works out the kiosk's settings from --server=URL, then SIGNAGE_SERVER_URL, then kiosk.json, then the default. */
export function loadKioskConfig({
  argv,
  env,
  fileText,
  filePath = "kiosk.json",
}: KioskConfigSources): KioskConfigResult {
  const fromArgv = switchValue(argv, SERVER_SWITCH);
  if (fromArgv !== undefined) return fromUrl(fromArgv.trim(), `the ${SERVER_SWITCH} switch`);

  // An empty variable is how shells and unit files say "unset".
  const fromEnv = env[SERVER_URL_ENV]?.trim();
  if (fromEnv !== undefined && fromEnv !== "") return fromUrl(fromEnv, SERVER_URL_ENV);

  if (fileText !== undefined) return fromFile(fileText, filePath);

  return { ok: true, config: { serverUrl: DEFAULT_SERVER_URL } };
}
