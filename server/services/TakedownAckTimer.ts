import type { Kysely } from "kysely";
import type { AdvancedScreen } from "../store/delivery";
import { districtsOf } from "../store/entries";
import { takedownsBetween, type TakedownEvent } from "../store/fleet";
import type { Database } from "../store/schema";

/** Walks the district tree; implemented by DistrictRegistry. */
export interface SubtreeOf {
  subtreeIds(ids: readonly string[]): Promise<string[]>;
}

/** Takedowns measured per batch at most: a screen back after a month must not stall the flush. */
const MAX_TAKEDOWNS_PER_BATCH = 500;

/**
 * Measures how long each takedown took to reach each screen that had to drop it: from the
 * takedown's change-log time to the screen's acknowledgement of that version. Only screens of
 * the entry's districts (and their sub-districts) count; an announcement's removal counts for
 * every screen.
 */
export class TakedownAckTimer {
  /** The districts each takedown version concerns (null: every screen), newest few kept. */
  private readonly concerns = new Map<number, ReadonlySet<string> | null>();

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      registry: SubtreeOf;
      observe: (seconds: number) => void;
    },
  ) {}

  /** Observes the latency of every takedown the screens newly acknowledged (`at`: epoch ms). */
  async measure(screens: readonly (AdvancedScreen & { at: number })[]): Promise<void> {
    if (screens.length === 0) return;
    const after = Math.min(...screens.map((s) => s.from));
    const upTo = Math.max(...screens.map((s) => s.version));
    const takedowns = await takedownsBetween(this.deps.db, after, upTo, MAX_TAKEDOWNS_PER_BATCH);
    for (const t of takedowns) {
      const concerned = await this.concernedDistricts(t);
      const loggedAt = Date.parse(t.at);
      for (const s of screens)
        if (s.from < t.version && t.version <= s.version)
          if (concerned === null || concerned.has(s.districtId))
            this.deps.observe((s.at - loggedAt) / 1000);
    }
  }

  private async concernedDistricts(t: TakedownEvent): Promise<ReadonlySet<string> | null> {
    const known = this.concerns.get(t.version);
    if (known !== undefined) return known;
    let concerned: ReadonlySet<string> | null = null;
    if (t.kind !== "announcement.removed") {
      const listed = (await districtsOf(this.deps.db, [t.entityId])).get(t.entityId) ?? [];
      concerned = new Set(await this.deps.registry.subtreeIds(listed));
    }
    this.concerns.set(t.version, concerned);
    // Keep the newest takedowns only: the burst of acknowledgements follows the takedown.
    if (this.concerns.size > 256) {
      const oldest = this.concerns.keys().next().value;
      if (oldest !== undefined) this.concerns.delete(oldest);
    }
    return concerned;
  }
}
