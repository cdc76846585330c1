import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  claimPush,
  parseScope,
  releasePush,
  unpushedTakedowns,
  type UnpushedTakedown,
} from "../store/changeLog";
import { districtsOf } from "../store/entries";
import type { Database } from "../store/schema";
import type { PushOutcome, ScreenPushPort } from "./ChangeFeed";
import { PeriodicTask } from "./PeriodicTask";

/**
 * A takedown's own push has this long (from the time the change was logged) to be recorded
 * before it is sent again: long enough for an expiry sweep of many entries, which logs them
 * all at one time, and for clocks of processes a few seconds apart.
 */
export const REPUSH_AFTER_MS = 15_000;
/** Takedowns sent again per round, at most. */
const ROUND_LIMIT = 200;

/**
 * Takedown wins even when its push is lost: a takedown committed but never recorded as pushed
 * (its process was killed between the commit and the push, the push failed, or a command made
 * it with no screens to tell) is sent again to the screens it went to, by whichever process
 * claims it first. Connected screens have no other way to hear of it: a later push's version
 * is no sync, and they acknowledge what they are sent.
 */
export class TakedownRepush {
  private readonly task = new PeriodicTask(
    () => this.round(),
    (err) => this.deps.log.error({ err }, "takedown re-push round failed; will retry"),
    { noOverlap: true },
  );

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      push: ScreenPushPort;
      log: Logger;
      now?: () => Date;
    },
  ) {}

  /** Looks now and then every `everyMs`. */
  start(everyMs = 5_000): void {
    this.task.start(everyMs);
  }

  /** Stops; resolves when a round under way has ended. */
  stop(): Promise<void> {
    return this.task.stop();
  }

  /** Sends again each takedown older than REPUSH_AFTER_MS not recorded as pushed; their versions. */
  async round(): Promise<number[]> {
    const now = this.deps.now?.() ?? new Date();
    const before = new Date(now.getTime() - REPUSH_AFTER_MS).toISOString();
    const sent: number[] = [];
    const claimedAt = now.toISOString();
    for (const t of await unpushedTakedowns(this.deps.db, before, ROUND_LIMIT)) {
      if (!(await claimPush(this.deps.db, t.version, claimedAt))) continue;
      // Not sent (the push logged why): the claim is taken back and the next round tries again.
      if ((await this.send(t)) === false) await releasePush(this.deps.db, t.version, claimedAt);
      else sent.push(t.version);
    }
    if (sent.length > 0)
      this.deps.log.warn(
        { versions: sent },
        "takedowns whose push was not recorded were sent to their screens again",
      );
    return sent;
  }

  private async send(t: UnpushedTakedown): Promise<PushOutcome> {
    const scoped = parseScope(t.scope_json)?.districtIds;
    const { push } = this.deps;
    if (t.kind.startsWith("entry.")) {
      const districtIds =
        scoped ?? (await districtsOf(this.deps.db, [t.entity_id])).get(t.entity_id) ?? [];
      return push.entryChanged({
        entryId: t.entity_id,
        version: t.version,
        districtIds,
        takedown: true,
      });
    } else if (t.kind.startsWith("announcement.")) {
      return push.announcementChanged({
        announcementId: t.entity_id,
        version: t.version,
        districtIds: scoped ?? [],
        takedown: true,
      });
    }
    return push.districtsChanged(scoped ?? [], [t.entity_id], t.version);
  }
}
