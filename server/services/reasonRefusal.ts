import { said, type ErrorReason } from "../../shared/messages/errorMessages";
import { findPersonalData } from "../../shared/privacy/freeTextCheck";
import { AppError } from "../errors";

/**
 * Refuses a reason someone typed (a rejection, a withdrawal, a pull, a takedown's text, an
 * objection's dismissal) that holds personal data, with a 400 "personal_data" worded by `key`:
 * reasons are kept in the append-only audit log (and a dismissal on the public status page), so
 * they outlive the erasure of an entry's raw data (DESIGN non-negotiable 8). `found` is what a
 * finder saw in it (by default `findPersonalData`: an ID or phone number, a name next to one); the
 * sentence names what was found and where, never the digits in full.
 */
export function refusePersonalDataInReason(
  reason: string,
  key: ErrorReason,
  found: readonly { message: string }[] = findPersonalData(reason),
): void {
  if (found.length === 0) return;
  const issues = found.map((f) => ({ path: "reason", message: `In the reason: ${f.message}.` }));
  throw new AppError(
    400,
    "personal_data",
    said(key, { found: issues.map((i) => i.message).join(" ") }),
    issues,
  );
}

/**
 * Refuses texts that hold personal data (an ID or phone number, a name next to one) with a 400
 * "personal_data" worded by `key`, naming what was found and in which field (`label`), never the
 * digits in full: what a screen shows to the street (an emergency, an idle slide).
 */
export function refusePersonalDataInTexts(
  key: ErrorReason,
  fields: readonly { path: string; label: string; text: string }[],
): void {
  const issues = fields.flatMap((f) =>
    findPersonalData(f.text).map((finding) => ({
      path: f.path,
      message: `In the ${f.label}: ${finding.message}.`,
    })),
  );
  if (issues.length === 0) return;
  throw new AppError(
    400,
    "personal_data",
    said(key, { found: issues.map((i) => i.message).join(" ") }),
    issues,
  );
}
