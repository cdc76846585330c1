import type { Kysely } from "kysely";
import type { EmergencyReach as Reach, EmergencyReachStep } from "../../shared/schemas/schedule";
import { emergencyChanges } from "../store/emergencies";
import type { Database } from "../store/schema";
import { takedownScreensIn } from "../store/screens";
import { acknowledgements, movedAwayFrom, type SubtreeOf } from "./TakedownProgress";

/**
 * Reports how far an emergency notice reached, per screen: a screen acknowledges the sending
 * (or the clearing) by applying its change-log version, as it acknowledges a takedown
 * (`applied_version` ≥ the version, and no full sync pending after a move).
 */
export class EmergencyReach {
  constructor(private readonly deps: { db: Kysely<Database>; registry: SubtreeOf }) {}

  /** The reach of a notice's last sending and last clearing over its districts and below. */
  async of(notice: { id: string; districtIds: readonly string[] }): Promise<Reach> {
    const changes = await emergencyChanges(this.deps.db, notice.id);
    const last = (kind: string) => changes.filter((c) => c.kind === kind).at(-1);
    const sent = last("emergency.sent");
    const cleared = last("emergency.cleared");
    const reach = new Set(await this.deps.registry.subtreeIds(notice.districtIds));
    const inReach =
      reach.size === 0 || (!sent && !cleared)
        ? []
        : await takedownScreensIn(this.deps.db, [...reach]);
    const step = async (
      change: { version: number; at: string },
      takedown: boolean,
    ): Promise<EmergencyReachStep> => {
      // A clearing also concerns a screen moved out of reach that may still show the notice,
      // until it applied a full manifest where it is now (as a takedown's progress counts it).
      const movedAway = takedown
        ? await movedAwayFrom(this.deps.db, reach, notice.districtIds, change.version)
        : [];
      return {
        version: change.version,
        at: change.at,
        ...acknowledgements([...inReach, ...movedAway], change.version),
      };
    };
    return {
      emergencyId: notice.id,
      sent: sent ? await step(sent, false) : null,
      // A clearing after the last sending: a notice approved again later is on the screens.
      cleared:
        cleared && (!sent || cleared.version > sent.version) ? await step(cleared, true) : null,
    };
  }
}
