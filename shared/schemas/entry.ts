import { z } from "zod";

/** Which list an entry is on. Plain announcements live in their own table for now. */
export const EntryKindSchema = z.enum(["discredited", "redlist"]);
/** A list kind. */
export type EntryKind = z.infer<typeof EntryKindSchema>;

/** Whether the listed subject is a natural person or an organisation. */
export const SubjectTypeSchema = z.enum(["person", "organisation"]);
/** A subject type. */
export type SubjectType = z.infer<typeof SubjectTypeSchema>;

/** Sex of a listed person, as the court export gives it. */
export const SexSchema = z.enum(["male", "female", "unknown"]);
/** A sex value. */
export type Sex = z.infer<typeof SexSchema>;

/** The moderation life cycle of an entry. */
export const EntryStateSchema = z.enum([
  "draft",
  "pending_review",
  "approved",
  "rejected",
  "revoked",
  "expired",
]);
/** An entry state. */
export type EntryState = z.infer<typeof EntryStateSchema>;

/** A calendar date, YYYY-MM-DD, that exists (2019-02-30 does not). */
export const CalendarDateSchema = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, "Use a date in the form YYYY-MM-DD.")
  .refine((s) => {
    const d = new Date(`${s}T00:00:00Z`);
    return !Number.isNaN(d.getTime()) && d.toISOString().slice(0, 10) === s;
  }, "That date does not exist.");

/** Free text that may come from a hostile file: stored and shown as text, never markup. */
const text = (max: number) =>
  z
    .string()
    .trim()
    .max(max, `At most ${max} characters.`)
    // Control characters other than newline and tab have no place in a notice.
    .refine((s) => ![...s].some(isControl), "Contains control characters.");

function isControl(ch: string): boolean {
  const c = ch.codePointAt(0) ?? 0;
  return (c < 0x20 && c !== 0x09 && c !== 0x0a && c !== 0x0d) || c === 0x7f;
}

/**
 * A person's or organisation's name: no markup characters (no real name has them) and no
 * leading formula character, so a name can never turn into HTML or a spreadsheet formula.
 */
const nameText = (max: number) =>
  text(max)
    .refine((s) => !/[<>]/.test(s), "A name cannot contain < or >.")
    .refine(
      (s) => !/^[=+\-@]/.test(s),
      "A name cannot start with = + - or @ (spreadsheet formula).",
    )
    .refine((s) => !/[\r\n]/.test(s), "A name is one line.");

/** An ID number or unified social credit code; exports publish them partly masked with '*'. */
export const IdNumberSchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^[0-9A-Z*]{6,32}$/, "An ID number or credit code is 6–32 letters, digits or '*'.");

const entryFields = z.strictObject({
  kind: EntryKindSchema,
  subjectType: SubjectTypeSchema,
  fullName: nameText(100).pipe(z.string().min(1, "A name is required.")),
  idNumber: IdNumberSchema.optional(),
  sex: SexSchema.default("unknown"),
  legalRepresentative: nameText(100).optional(),
  caseNumber: text(64).pipe(z.string().min(1, "A case number is required.")),
  court: text(100).pipe(z.string().min(1, "The enforcing court is required.")),
  obligation: text(500).default(""),
  /** Unmet amount in minor units (fen for CNY). */
  amountMinor: z.number().int().nonnegative("The amount cannot be negative.").max(1e15).optional(),
  currency: z
    .string()
    .regex(/^[A-Z]{3}$/, "Use a three-letter currency code.")
    .default("CNY"),
  performance: text(100).default(""),
  listingGround: text(200).default(""),
  /** The legal basis: the number of the document the listing rests on. */
  legalBasisNumber: text(100).default(""),
  /** The legal basis: the body that issued that document. */
  legalBasisIssuer: text(100).default(""),
  listingDate: CalendarDateSchema,
  expiryDate: CalendarDateSchema,
  districtIds: z
    .array(z.string().trim().min(1).max(64))
    .min(1, "Pick at least one district.")
    .max(50),
});

/** What an operator or an import supplies for one list entry (the photo travels separately). */
export const EntryInputSchema = entryFields.refine((e) => e.expiryDate > e.listingDate, {
  path: ["expiryDate"],
  message: "The expiry date must be after the listing date.",
});
/** A validated entry input. */
export type EntryInput = z.infer<typeof EntryInputSchema>;

/**
 * An edit of an entry: any shown field but the list kind; a field left out stays as it was.
 * `idNumber: null` removes the ID number. Editing an approved entry sends it back to review.
 */
export const EntryEditSchema = z
  .strictObject({
    subjectType: SubjectTypeSchema,
    fullName: nameText(100).pipe(z.string().min(1, "A name is required.")),
    idNumber: IdNumberSchema.nullable(),
    sex: SexSchema,
    legalRepresentative: nameText(100).nullable(),
    caseNumber: text(64).pipe(z.string().min(1, "A case number is required.")),
    court: text(100).pipe(z.string().min(1, "The enforcing court is required.")),
    obligation: text(500),
    amountMinor: z
      .number()
      .int()
      .nonnegative("The amount cannot be negative.")
      .max(1e15)
      .nullable(),
    currency: z.string().regex(/^[A-Z]{3}$/, "Use a three-letter currency code."),
    performance: text(100),
    listingGround: text(200),
    legalBasisNumber: text(100),
    legalBasisIssuer: text(100),
    listingDate: CalendarDateSchema,
    expiryDate: CalendarDateSchema,
    districtIds: z
      .array(z.string().trim().min(1).max(64))
      .min(1, "Pick at least one district.")
      .max(50),
  })
  .partial()
  .refine((e) => Object.keys(e).length > 0, "Change at least one field.");
/** A validated entry edit. */
export type EntryEdit = z.infer<typeof EntryEditSchema>;
