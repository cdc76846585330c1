import { z } from "zod";
import { EntryStateSchema } from "./entry";

/**
 * Where an objection stands: received; under review (its entry was suspended, off the screens);
 * dismissed (with a reason the objector sees); forwarded to the court.
 */
export const ObjectionStateSchema = z.enum(["received", "suspended", "dismissed", "forwarded"]);
/** An objection's state. */
export type ObjectionState = z.infer<typeof ObjectionStateSchema>;

/** An objection's reference as the objector is told it: "OBJ-" and 10 base32 characters. */
export const ObjectionReferenceSchema = z
  .string()
  .transform((s) => s.trim().toUpperCase())
  .pipe(
    z
      .string()
      .regex(
        /^OBJ-[A-Z2-7]{10}$/,
        "A reference looks like OBJ- followed by 10 letters and digits.",
      ),
  );

/** Longest objection text, in characters. */
export const OBJECTION_TEXT_MAX = 2000;

const trimmed = (max: number, what: string) =>
  z
    .string({ error: `Fill in ${what}.` })
    .trim()
    .min(1, `Fill in ${what}.`)
    .max(
      max,
      `${what[0]?.toUpperCase() ?? ""}${what.slice(1)} may hold at most ${max} characters.`,
    );

/** A phone number (digits, spaces, +, -, parentheses; 5 to 20 digits) or an email address. */
const ContactSchema = trimmed(200, "how to reach you").refine(
  (v) => {
    if (/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(v)) return true;
    const digits = v.replace(/[\s()+-]/g, "");
    return /^[\d\s()+-]+$/.test(v) && /^\d{5,20}$/.test(digits);
  },
  { message: "Give a phone number or an email address." },
);

/**
 * The public form, as its fields arrive (urlencoded or multipart): who you are, how to reach
 * you, what is wrong, the consent box; `website` is the honeypot a person leaves empty.
 */
export const ObjectionFilingSchema = z.object({
  name: trimmed(100, "your name"),
  contact: ContactSchema,
  text: trimmed(OBJECTION_TEXT_MAX, "what is wrong"),
  consent: z.literal("yes", { error: "Tick the box to agree that your objection is processed." }),
  website: z.string().max(500).optional(),
  lang: z.enum(["zh", "en"]).optional(),
});
/** A filed objection's fields. */
export type ObjectionFiling = z.infer<typeof ObjectionFilingSchema>;

/** What the objector gets back: the reference to look the objection up with. */
export const ObjectionReceiptSchema = z.strictObject({
  reference: ObjectionReferenceSchema,
  /** The day it was filed, YYYY-MM-DD (UTC). */
  filedOn: z.iso.date(),
  state: ObjectionStateSchema,
  /** The status page's address. */
  statusUrl: z.string().max(200),
});
/** The answer to a filing. */
export type ObjectionReceipt = z.infer<typeof ObjectionReceiptSchema>;

/** What the status page says: never the objector's own data, only the filing day and the decision. */
export const ObjectionStatusSchema = z.strictObject({
  reference: ObjectionReferenceSchema,
  filedOn: z.iso.date(),
  state: ObjectionStateSchema,
  /** A dismissal's reason; null otherwise. */
  reason: z.string().max(1000).nullable(),
  decidedOn: z.iso.date().nullable(),
});
/** An objection's public status. */
export type ObjectionStatus = z.infer<typeof ObjectionStatusSchema>;

/** One objection in the console's queue. */
export const ObjectionSummarySchema = z.strictObject({
  id: z.uuid(),
  reference: ObjectionReferenceSchema,
  state: ObjectionStateSchema,
  entryId: z.uuid(),
  maskedName: z.string(),
  caseNumber: z.string(),
  /** The entry's state now: "approved" while it is on the screens. */
  entryState: EntryStateSchema,
  districtIds: z.array(z.string()),
  createdAt: z.iso.datetime({ offset: true }),
  decidedAt: z.iso.datetime({ offset: true }).nullable(),
  decidedBy: z.string().nullable(),
  reason: z.string().nullable(),
  hasDocument: z.boolean(),
});
/** An objection as the queue lists it. */
export type ObjectionSummary = z.infer<typeof ObjectionSummarySchema>;

/** One objection opened by a moderator: the unsealed name, contact and text (audited). */
export const ObjectionDetailSchema = z.strictObject({
  objection: ObjectionSummarySchema,
  /** Null when the entry's data was erased (revoked or expired): nothing can be read any more. */
  sealed: z
    .strictObject({
      name: z.string(),
      contact: z.string(),
      text: z.string(),
      document: z.strictObject({ mime: z.string(), bytes: z.number().int() }).nullable(),
    })
    .nullable(),
});
/** An opened objection. */
export type ObjectionDetail = z.infer<typeof ObjectionDetailSchema>;

/** GET /api/objections: the queue, newest first. */
export const ObjectionListSchema = z.strictObject({ objections: z.array(ObjectionSummarySchema) });
/** The queue. */
export type ObjectionList = z.infer<typeof ObjectionListSchema>;

/** Suspend the entry pending review: nothing to add. */
export const SuspendObjectionSchema = z.strictObject({});

/** Dismiss with a reason the objector will read. */
export const DismissObjectionSchema = z.strictObject({
  reason: z
    .string()
    .trim()
    .min(1, "Give the reason the objector will read.")
    .max(1000, "The reason may hold at most 1000 characters."),
});
/** A dismissal. */
export type DismissObjection = z.infer<typeof DismissObjectionSchema>;

/** Mark as forwarded to the court: nothing to add. */
export const ForwardObjectionSchema = z.strictObject({});

/** The answer of a decision: the objection as it stands now. */
export const ObjectionAnswerSchema = z.strictObject({ objection: ObjectionSummarySchema });
/** A decision's answer. */
export type ObjectionAnswer = z.infer<typeof ObjectionAnswerSchema>;
