import { parseArgs } from "node:util";
import { maskName } from "../../shared/privacy/maskName";

const usage = `Usage: signage mask-name NAME [--organisation | --person]

Prints NAME as screens show it: 张三 → 张某, 欧阳娜娜 → 欧阳某, "Smith, John" → Smith J.
Without a flag an organisation is recognised by its ending (有限公司, 店, Ltd…); --person always
masks; --organisation shows the name in full unless it reads like a person's (张三, Zhang San).
`;

/** Where the command writes; the process streams unless a test passes its own. */
export interface CommandOutput {
  stdout: { write(s: string): unknown };
  stderr: { write(s: string): unknown };
}

/**
 * `signage mask-name NAME [--organisation]`: prints the masked name. `argv` is what follows
 * "mask-name"; several words are joined with a space, so an unquoted `Zhang San` works.
 * Returns the exit code: 0, or 2 for a usage error.
 */
export function runMaskNameCommand(argv: string[], out: CommandOutput = process): Promise<number> {
  let parsed;
  try {
    parsed = parseArgs({
      args: argv,
      allowPositionals: true,
      options: {
        organisation: { type: "boolean" },
        person: { type: "boolean" },
        help: { type: "boolean", short: "h" },
      },
    });
  } catch (err) {
    out.stderr.write(`signage mask-name: ${(err as Error).message}\n${usage}`);
    return Promise.resolve(2);
  }
  const { values, positionals } = parsed;
  if (values.help === true) {
    out.stdout.write(usage);
    return Promise.resolve(0);
  }
  const name = positionals.join(" ").trim();
  if (name === "" || (values.organisation === true && values.person === true)) {
    out.stderr.write(
      name === ""
        ? `signage mask-name: give the name to mask.\n${usage}`
        : `signage mask-name: use --organisation or --person, not both.\n${usage}`,
    );
    return Promise.resolve(2);
  }
  const subjectType =
    values.organisation === true ? "organisation" : values.person === true ? "person" : undefined;
  out.stdout.write(`${maskName(name, { subjectType })}\n`);
  return Promise.resolve(0);
}
