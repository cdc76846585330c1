import {
  ScreenTagsSchema,
  type AnnouncementState,
  type AnnouncementView,
  type PosterLayout,
  type PosterStatus,
} from "../../../../shared/schemas/announcement";
import { wordServerSentence } from "../lib/describeError";
import type { PlainMessageKey, Translate } from "../lib/i18n";

/** Each state's name. */
export const stateKeys: Record<AnnouncementState, PlainMessageKey> = {
  draft: "ann.state.draft",
  in_review: "ann.state.in_review",
  published: "ann.state.published",
  withdrawn: "ann.state.withdrawn",
  ended: "ann.state.ended",
};

/** The badge class of each state (the console's badge colours). */
export const stateBadges: Record<AnnouncementState, string> = {
  draft: "badge",
  in_review: "badge warn",
  published: "badge online",
  withdrawn: "badge offline",
  ended: "badge",
};

/** Where a poster stands, in words. */
export const posterStatusKeys: Record<PosterStatus, PlainMessageKey> = {
  none: "ann.poster.none",
  queued: "ann.poster.queued",
  processing: "ann.poster.processing",
  done: "ann.poster.done",
  needs_review: "ann.poster.needs_review",
  failed: "ann.poster.failed",
};

/** Each layout's name. */
export const layoutKeys: Record<PosterLayout, PlainMessageKey> = {
  beside: "ann.layout.beside",
  full: "ann.layout.full",
};

/**
 * A poster's status with its count of faces or its reason, as one line, in the console's
 * language (the server stores the reason as an English sentence).
 */
export function posterText(a: AnnouncementView, t: Translate): string {
  const p = a.poster;
  if (p.status === "needs_review") return t("ann.poster.facesCovered", { n: p.faces });
  if (p.status === "failed")
    return p.reason
      ? t("ann.poster.failedBecause", { reason: wordServerSentence(p.reason, t) })
      : t("ann.poster.failed");
  return t(posterStatusKeys[p.status]);
}

/** Where it plays: the whole city or its districts, and the screen tags within them. */
export function targetText(
  target: AnnouncementView["target"],
  districtName: (id: string) => string,
  t: Translate,
): string {
  const where =
    target.districtIds.length === 0
      ? t("ann.wholeCity")
      : target.districtIds.map(districtName).join(", ");
  return target.screenTags.length === 0
    ? where
    : t("ann.targetTagged", { where, tags: target.screenTags.join(", ") });
}

/** From and until, as the console's language writes a moment. */
export function windowText(
  a: Pick<AnnouncementView, "startsAt" | "endsAt">,
  language: string,
  t: Translate,
): string {
  const at = (iso: string) => new Date(iso).toLocaleString(language);
  const from = a.startsAt === null ? t("ann.fromApproval") : at(a.startsAt);
  const until = a.endsAt === null ? t("ann.untilWithdrawn") : at(a.endsAt);
  return `${from} – ${until}`;
}

/** "YYYY-MM-DDTHH:MM" of a datetime-local input as an ISO instant (the browser's zone), or null. */
export function instantOfLocal(value: string): string | null {
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** An ISO instant as a datetime-local input's value in the browser's zone ("" for none). */
export function localOfInstant(iso: string | null): string {
  if (iso === null) return "";
  const at = new Date(iso);
  if (Number.isNaN(at.getTime())) return "";
  const pad = (n: number) => String(n).padStart(2, "0");
  return `${at.getFullYear()}-${pad(at.getMonth() + 1)}-${pad(at.getDate())}T${pad(
    at.getHours(),
  )}:${pad(at.getMinutes())}`;
}

/** Words typed with commas, Chinese commas or spaces between them, each once. */
export function splitWords(text: string): string[] {
  return [
    ...new Set(
      text
        .split(/[\s,，、;；]+/)
        .map((w) => w.trim())
        .filter((w) => w !== ""),
    ),
  ];
}

/** Screen tags as typed, checked as the server checks them; null when one is not a tag. */
export function screenTagsOf(text: string): string[] | null {
  const parsed = ScreenTagsSchema.safeParse(splitWords(text));
  return parsed.success ? parsed.data : null;
}

/** Whether `userId` made or changed the announcement since its last review (four eyes). */
export function isOwn(a: AnnouncementView, userId: string): boolean {
  return a.createdBy === userId || a.changedBy.includes(userId);
}
