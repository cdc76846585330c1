import type { EntryView } from "../../shared/schemas/entryView";
import type { Attention, RevisionChange } from "../../shared/schemas/moderation";
import type { ReviewItem } from "../../shared/schemas/reviewQueue";
import type { RedactionResultTable } from "../store/schema";

/** What the review queue says of one pending entry besides the entry itself. */
export interface ReviewFacts {
  attention: Attention[];
  /** Whether it may be approved in bulk. */
  clean: boolean;
  recentChanges: RevisionChange[];
  /** Why this moderator may not act on it (four eyes); undefined when they may. */
  refusal: string | undefined;
  /** The photo's last redaction outcome, if it has one. */
  redaction:
    Pick<RedactionResultTable, "verdict" | "reason" | "completed_at" | "detail_json"> | undefined;
}

/** One entry of the review queue: the entry, why it needs a look, and whether this moderator may act. */
export function presentReviewItem(entry: EntryView, facts: ReviewFacts): ReviewItem {
  const { redaction, refusal } = facts;
  return {
    entry,
    attention: facts.attention,
    clean: facts.clean,
    // What the recent revisions changed, so the console can say what moved under it.
    recentChanges: facts.recentChanges,
    actionable: refusal === undefined,
    ...(refusal ? { notActionableBecause: refusal } : {}),
    redaction: redaction
      ? {
          verdict: redaction.verdict,
          reason: redaction.reason,
          completedAt: redaction.completed_at,
          detail: JSON.parse(redaction.detail_json) as unknown,
        }
      : null,
  };
}
