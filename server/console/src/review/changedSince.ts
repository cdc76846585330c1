import { unknownWords } from "../../../../shared/messages/revisionFieldWords";
import type { ReviewItem } from "../../../../shared/schemas/reviewQueue";
import { revisionFieldName } from "../entries/entryLabels";
import { languageOf, type Translate } from "../lib/i18n";

/**
 * The fields changed since revision `seen`, named in the console's language, as far as the
 * queue's history reaches (older revisions say their details were not kept, in the server's
 * words); null when the entry is still at that revision.
 */
export function changedSince(
  item: {
    entry: Pick<ReviewItem["entry"], "revision">;
    recentChanges: ReviewItem["recentChanges"];
  },
  seen: number,
  t: Translate,
): string | null {
  if (item.entry.revision <= seen) return null;
  const later = item.recentChanges.filter((c) => c.revision > seen);
  const fields = [...new Set(later.flatMap((c) => c.fields))].map((f) => revisionFieldName(f, t));
  if (later.length < item.entry.revision - seen) fields.push(unknownWords[languageOf(t)]);
  return fields.join(t("review.fieldsJoin"));
}
