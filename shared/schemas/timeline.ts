import { z } from "zod";

/**
 * What a screen shows at an instant and when that may next change (epoch ms): the wire form of
 * the evaluator's ScheduleResult (shared/schedule/evaluateSchedule.ts).
 */
export const ScheduleResultSchema = z.discriminatedUnion("kind", [
  z.object({
    kind: z.literal("emergency"),
    emergencyId: z.string(),
    nextChangeAt: z.number().nullable(),
  }),
  z.object({
    kind: z.literal("slide"),
    windowId: z.string(),
    itemId: z.string(),
    index: z.number(),
    count: z.number(),
    list: z
      .object({ itemIds: z.array(z.string()), page: z.number(), pages: z.number() })
      .optional(),
    nextChangeAt: z.number(),
  }),
  z.object({ kind: z.literal("idle"), nextChangeAt: z.number().nullable() }),
  z.object({ kind: z.literal("blank"), nextChangeAt: z.number().nullable() }),
]);
/** What a screen shows at an instant. */
export type ScheduleResult = z.infer<typeof ScheduleResultSchema>;

/** What a district's screens show from an instant on (GET /api/districts/:id/timeline). */
export const TimelineSchema = z.object({
  districtId: z.string(),
  /** Whose schedule applies (the district's own or an ancestor's); null when none does. */
  scheduleFrom: z.string().nullable(),
  now: ScheduleResultSchema.nullable(),
  segments: z.array(z.object({ start: z.string(), end: z.string(), result: ScheduleResultSchema })),
});
/** A district's timeline. */
export type Timeline = z.infer<typeof TimelineSchema>;
