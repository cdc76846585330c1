import type { Kysely } from "kysely";
import type { ReviewFacts } from "../presenters/presentReviewItem";
import {
  districtsOf,
  getEntry,
  listEntries,
  parseRevisionChanges,
  redactionResultsOf,
  renditionBytes,
  renditionsOf,
  type EntryFilter,
} from "../store/entries";
import type { Database, EntryRow } from "../store/schema";
import { attentionOf, fourEyesRefusal, isClean } from "./EntryModeration";

/** A page of entries and the districts of each. */
export interface EntryRows {
  rows: EntryRow[];
  districts: Map<string, string[]>;
}

/** A rendition's size as the console shows it. */
export interface RenditionInfo {
  hash: string;
  variant: "display" | "thumb";
  mime: string;
  width: number;
  height: number;
}

/**
 * The read side of entries: pages, the review queue with what each pending entry needs, one
 * entry with its renditions. Writes go through EntryIntake and EntryModeration.
 */
export class EntryCatalog {
  constructor(private readonly deps: { db: Kysely<Database> }) {}

  /** The entry's districts, or undefined when no entry has the id. */
  async districtsOf(id: string): Promise<string[] | undefined> {
    return (await districtsOf(this.deps.db, [id])).get(id);
  }

  /** One entry, or undefined. */
  get(id: string): Promise<EntryRow | undefined> {
    return getEntry(this.deps.db, id);
  }

  /** A page of entries matching `filter`, with their districts. */
  async page(filter: EntryFilter): Promise<EntryRows> {
    const rows = await listEntries(this.deps.db, filter);
    const districts = await districtsOf(
      this.deps.db,
      rows.map((r) => r.id),
    );
    return { rows, districts };
  }

  /**
   * Pending entries matching `filter`, oldest first, each with why it needs a look and whether
   * `reviewerId` may act on it (four eyes).
   */
  async reviewQueue(
    filter: Omit<EntryFilter, "state" | "oldestFirst">,
    reviewerId: string,
  ): Promise<EntryRows & { facts: Map<string, ReviewFacts> }> {
    const page = await this.page({ ...filter, state: "pending_review", oldestFirst: true });
    const results = new Map(
      (
        await redactionResultsOf(
          this.deps.db,
          page.rows.map((r) => r.id),
        )
      ).map((r) => [r.entry_id, r]),
    );
    const facts = new Map<string, ReviewFacts>(
      page.rows.map((row) => [
        row.id,
        {
          attention: attentionOf(row),
          clean: isClean(row),
          recentChanges: parseRevisionChanges(row.revision_changes_json),
          refusal: fourEyesRefusal(row, reviewerId),
          redaction: results.get(row.id),
        },
      ]),
    );
    return { ...page, facts };
  }

  /** The entry's verified renditions (sizes, not bytes). */
  async renditions(id: string): Promise<RenditionInfo[]> {
    return (await renditionsOf(this.deps.db, id)).map((r) => ({
      ...r,
      width: Number(r.width),
      height: Number(r.height),
    }));
  }

  /** The bytes of one verified rendition, or undefined. */
  renditionBytes(id: string, variant: "display" | "thumb") {
    return renditionBytes(this.deps.db, id, variant);
  }
}
