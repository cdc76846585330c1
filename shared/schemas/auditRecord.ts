import { z } from "zod";

/**
 * One audit record as GET /api/audit answers it and the JSON Lines export writes it. Types and
 * actions stay open strings: a record written by an older version must still be listed.
 */
export const AuditRecordSchema = z.object({
  seq: z.number(),
  at: z.string(),
  actor: z.object({ type: z.string(), id: z.string().nullable() }),
  action: z.string(),
  target: z.object({ type: z.string(), id: z.string().nullable() }).nullable(),
  /** The stored details; the stored text itself if it is not valid JSON (a tampered record). */
  details: z.unknown(),
  /**
   * The actor's and the target's names for people (a user's display name, an entry's masked
   * name, a title), resolved when listed; absent from the export, null when gone or unnamed.
   */
  actorName: z.string().nullable().optional(),
  targetName: z.string().nullable().optional(),
  prevHash: z.string(),
  hash: z.string(),
});
/** One audit record. */
export type AuditRecord = z.infer<typeof AuditRecordSchema>;

/** A page of audit records, newest first, and the seq to page on from (null on the last page). */
export const AuditPageSchema = z.object({
  records: z.array(AuditRecordSchema),
  nextBefore: z.number().nullable(),
});
/** A page of audit records. */
export type AuditPage = z.infer<typeof AuditPageSchema>;

/** Why a chain failed verification. */
export const AuditProblemSchema = z.enum(["hash_mismatch", "link_broken", "sequence_gap"]);
/** Why a chain failed verification. */
export type AuditProblem = z.infer<typeof AuditProblemSchema>;

/** The outcome of the chain check; `records` counts the records found intact. */
export const AuditVerificationSchema = z.discriminatedUnion("ok", [
  z.object({ ok: z.literal(true), records: z.number(), lastSeq: z.number(), lastHash: z.string() }),
  z.object({
    ok: z.literal(false),
    records: z.number(),
    brokenAt: z.number(),
    problem: AuditProblemSchema,
    message: z.string(),
  }),
]);
/** The outcome of the chain check. */
export type AuditVerification = z.infer<typeof AuditVerificationSchema>;

/** The answer of GET /api/audit/verify. */
export const AuditVerificationAnswerSchema = z.object({ verification: AuditVerificationSchema });
