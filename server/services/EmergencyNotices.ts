import { randomUUID } from "node:crypto";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import type { Emergency, EmergencyView } from "../../shared/schemas/schedule";
import { AppError } from "../errors";
import {
  clearEmergency,
  emergencyDistrictLinks,
  insertEmergency,
  listEmergencies,
  type EmergencyFilter,
} from "../store/emergencies";
import type { Database } from "../store/schema";
import { runInTransaction } from "../store/runInTransaction";
import type { AuditInput, AuditLog } from "./AuditLog";
import type { ChangeFeed } from "./ChangeFeed";
import type { DistrictRegistry } from "./DistrictRegistry";

/** What an operator posts: it starts at once and runs until `endsAt` or until cleared. */
export interface EmergencyInput {
  title: string;
  body: string;
  districtIds: string[];
  endsAt?: string;
}

/** Posts and clears emergency notices, which override every schedule in their districts. */
export class EmergencyNotices {
  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      registry: DistrictRegistry;
      /** Screens of the notice's districts (and below) re-sync after the commit. */
      changes: ChangeFeed;
      /** Records sends and clears in the same transaction. */
      audit: AuditLog;
      now?: () => Date;
    },
  ) {}

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Posts a notice to districts (a city covers all its districts); screens switch at once. */
  async post(input: EmergencyInput, actor: AuditInput["actor"]): Promise<EmergencyView> {
    await this.deps.registry.requireExisting(input.districtIds);
    const now = this.now().toISOString();
    if (input.endsAt !== undefined && input.endsAt <= now) {
      throw new AppError(400, "validation_failed", "An emergency notice must end in the future.");
    }
    const id = randomUUID();
    const districtIds = [...new Set(input.districtIds)];
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      await insertEmergency(
        trx,
        {
          id,
          title: input.title,
          body: input.body,
          starts_at: now,
          ends_at: input.endsAt ?? null,
          cleared_at: null,
          created_at: now,
        },
        districtIds,
      );
      await this.deps.changes.districts(uow, districtIds);
      await this.deps.audit.record(trx, {
        actor,
        action: "emergency.sent",
        target: { type: "emergency", id },
        details: { title: input.title, districtIds, endsAt: input.endsAt ?? null },
      });
    });
    this.deps.log.warn({ emergencyId: id, districtIds }, "emergency notice posted");
    return this.get(id);
  }

  /** Ends a notice now; its screens return to their schedules at once. */
  async clear(id: string, actor: AuditInput["actor"]): Promise<EmergencyView> {
    const before = await this.get(id);
    if (before.clearedAt !== null)
      throw new AppError(409, "conflict", "This emergency notice was already cleared.");
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      await clearEmergency(uow.trx, id, this.now().toISOString());
      await this.deps.changes.districts(uow, before.districtIds);
      await this.deps.audit.record(uow.trx, {
        actor,
        action: "emergency.cleared",
        target: { type: "emergency", id },
      });
    });
    this.deps.log.warn({ emergencyId: id }, "emergency notice cleared");
    return this.get(id);
  }

  /** One notice, or a 404. */
  async get(id: string): Promise<EmergencyView> {
    const [view] = await this.query({ id });
    if (!view) throw new AppError(404, "not_found", `No emergency notice has the id ${id}.`);
    return view;
  }

  /** Notices not cleared and not ended, newest first. */
  async listActive(): Promise<EmergencyView[]> {
    return this.query({ liveAt: this.now().toISOString() });
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

  private async query(filter: EmergencyFilter): Promise<EmergencyView[]> {
    const rows = await listEmergencies(this.deps.db, filter);
    const ids = rows.map((r) => r.id);
    const links = ids.length === 0 ? [] : await emergencyDistrictLinks(this.deps.db, ids);
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
