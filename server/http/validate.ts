import type { z } from "zod";
import { said } from "../../shared/messages/errorMessages";
import { AppError } from "../errors";

/**
 * Parses untrusted input with a zod schema; on failure throws a 400 naming each bad field. The
 * first field and its problem are the reason's parameters, so the console names the field in
 * its own language; every field stays in `issues`.
 */
export function validate<S extends z.ZodType>(
  schema: S,
  input: unknown,
  what: string,
): z.output<S> {
  const result = schema.safeParse(input);
  if (result.success) return result.data;
  throw invalidInput(result.error, what);
}

/** The 400 (`validation_failed`) for input its schema refused; `what` names the input. */
export function invalidInput(error: z.ZodError, what: string): AppError {
  const issues = error.issues.map((i) => ({
    path: i.path.map(String).join(".") || "(root)",
    message: i.message,
  }));
  const first = issues[0];
  return new AppError(
    400,
    "validation_failed",
    first === undefined
      ? said("request.invalid", { what })
      : said("request.invalidField", { what, field: first.path, problem: first.message }),
    issues,
  );
}
