import type { Kysely } from "kysely";
import type { ChangeLogTable, Database } from "./schema";

/** The change-log events that take something off the screens. */
export const TAKEDOWN_EVENTS = [
  "entry.revoked",
  "entry.expired",
  "entry.withdrawn",
  "announcement.removed",
] as const satisfies readonly ChangeLogTable["kind"][];

/** A takedown as the change log holds it. */
export interface TakedownEvent {
  version: number;
  kind: (typeof TAKEDOWN_EVENTS)[number];
  entityId: string;
  at: string;
}

/** Takedowns with a version in (after, upTo], oldest first, at most `limit`. */
export async function takedownsBetween(
  db: Kysely<Database>,
  after: number,
  upTo: number,
  limit: number,
): Promise<TakedownEvent[]> {
  const rows = await db
    .selectFrom("change_log")
    .select(["version", "kind", "entity_id", "at"])
    .where("kind", "in", [...TAKEDOWN_EVENTS])
    .where("version", ">", after)
    .where("version", "<=", upTo)
    .orderBy("version")
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    version: Number(r.version),
    kind: r.kind as TakedownEvent["kind"],
    entityId: r.entity_id,
    at: r.at,
  }));
}

/** Redaction jobs waiting and being worked on, across every server process. */
export async function redactionJobCounts(
  db: Kysely<Database>,
): Promise<{ queued: number; running: number }> {
  const rows = await db
    .selectFrom("redaction_jobs")
    .select(["state", (eb) => eb.fn.countAll().as("n")])
    .where("state", "in", ["queued", "running"])
    .groupBy("state")
    .execute();
  const count = (state: string): number => Number(rows.find((r) => r.state === state)?.n ?? 0);
  return { queued: count("queued"), running: count("running") };
}
