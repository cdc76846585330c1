import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Emergency } from "../../shared/schemas/schedule";
import { AppError } from "../errors";
import type { Database } from "../store/schema";
import type { DistrictRegistry } from "./districtRegistry";

/** What an operator posts: it starts at once and runs until `endsAt` or until cleared. */
export interface EmergencyInput {
  title: string;
  body: string;
  districtIds: string[];
  endsAt?: string;
}

/** An emergency as the console sees it. */
export interface EmergencyView extends Emergency {
  districtIds: string[];
  clearedAt: string | null;
}

/** Tells the affected districts' screens to re-sync at once. */
export type DistrictsChanged = (districtIds: readonly string[]) => void;

/** Posts and clears emergency notices, which override every schedule in their districts. */
export class EmergencyNotices {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      registry: DistrictRegistry;
      notify: DistrictsChanged;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Posts a notice to districts (a city covers all its districts); screens switch at once. */
  async post(input: EmergencyInput): Promise<EmergencyView> {
    await this.deps.registry.requireExisting(input.districtIds);
    const now = this.now().toISOString();
    if (input.endsAt !== undefined && input.endsAt <= now) {
      throw new AppError(400, "validation_failed", "An emergency notice must end in the future.");
    }
    const id = randomUUID();
    const districtIds = [...new Set(input.districtIds)];
    await this.deps.db.transaction().execute(async (trx) => {
      await trx
        .insertInto("emergencies")
        .values({
          id,
          title: input.title,
          body: input.body,
          starts_at: now,
          ends_at: input.endsAt ?? null,
          cleared_at: null,
          created_at: now,
        })
        .execute();
      await trx
        .insertInto("emergency_districts")
        .values(districtIds.map((d) => ({ emergency_id: id, district_id: d })))
        .execute();
    });
    this.deps.log.warn({ emergencyId: id, districtIds }, "emergency notice posted");
    this.deps.notify(await this.deps.registry.subtreeIds(districtIds));
    return this.get(id);
  }

  /** Ends a notice now; its screens return to their schedules at once. */
  async clear(id: string): Promise<EmergencyView> {
    const before = await this.get(id);
    if (before.clearedAt !== null)
      throw new AppError(409, "conflict", "This emergency notice was already cleared.");
    await this.deps.db
      .updateTable("emergencies")
      .set({ cleared_at: this.now().toISOString() })
      .where("id", "=", id)
      .execute();
    this.deps.log.warn({ emergencyId: id }, "emergency notice cleared");
    this.deps.notify(await this.deps.registry.subtreeIds(before.districtIds));
    return this.get(id);
  }

  /** One notice, or a 404. */
  async get(id: string): Promise<EmergencyView> {
    const [view] = await this.query((q) => q.where("emergencies.id", "=", id));
    if (!view) throw new AppError(404, "not_found", `No emergency notice has the id ${id}.`);
    return view;
  }

  /** Notices not cleared and not ended, newest first. */
  async listActive(): Promise<EmergencyView[]> {
    const now = this.now().toISOString();
    return this.query((q) =>
      q
        .where("emergencies.cleared_at", "is", null)
        .where((eb) =>
          eb.or([eb("emergencies.ends_at", "is", null), eb("emergencies.ends_at", ">", now)]),
        ),
    );
  }

  /** The live notices that cover any district of a chain (a screen's district and its ancestors). */
  async forChain(chain: readonly string[]): Promise<Emergency[]> {
    const active = await this.listActive();
    return active
      .filter((e) => e.districtIds.some((d) => chain.includes(d)))
      .map((e) => ({
        id: e.id,
        title: e.title,
        body: e.body,
        startsAt: e.startsAt,
        ...(e.endsAt ? { endsAt: e.endsAt } : {}),
      }));
  }

  private async query(filter: (q: BaseQuery) => BaseQuery): Promise<EmergencyView[]> {
    const rows = await filter(baseQuery(this.deps.db))
      .orderBy("emergencies.created_at", "desc")
      .execute();
    const ids = rows.map((r) => r.id);
    const links =
      ids.length === 0
        ? []
        : await this.deps.db
            .selectFrom("emergency_districts")
            .select(["emergency_id", "district_id"])
            .where("emergency_id", "in", ids)
            .execute();
    return rows.map((r) => ({
      id: r.id,
      title: r.title,
      body: r.body,
      startsAt: r.starts_at,
      ...(r.ends_at ? { endsAt: r.ends_at } : {}),
      clearedAt: r.cleared_at,
      districtIds: links.filter((l) => l.emergency_id === r.id).map((l) => l.district_id),
    }));
  }
}

function baseQuery(db: Kysely<Database>) {
  return db.selectFrom("emergencies").selectAll("emergencies");
}
type BaseQuery = ReturnType<typeof baseQuery>;
