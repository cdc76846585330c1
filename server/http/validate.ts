import type { z } from "zod";
import { AppError } from "../errors";

/** Parses untrusted input with a zod schema; on failure throws a 400 naming each bad field. */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  const issues = result.error.issues.map((i) => ({
    path: i.path.map(String).join(".") || "(root)",
    message: i.message,
  }));
  const first = issues[0];
  const summary = first === undefined ? "it is malformed" : `${first.path}: ${first.message}`;
  throw new AppError(400, "validation_failed", `The ${what} is not valid (${summary}).`, issues);
}
