import type { PlaylistSource, TimeWindow } from "../../../../shared/schemas/schedule";
import type { PlainMessageKey, Translate } from "../lib/i18n";

/** The short day names, Monday (ISO 1) to Sunday (ISO 7). */
export const dayKeys = [
  "day.1",
  "day.2",
  "day.3",
  "day.4",
  "day.5",
  "day.6",
  "day.7",
] as const satisfies readonly PlainMessageKey[];

/** Minutes since midnight of "HH:MM" ("24:00" is 1440). */
export function minutesOfTime(time: string): number {
  const [h = 0, m = 0] = time.split(":").map(Number);
  return h * 60 + m;
}

/** "HH:MM" of minutes since midnight; 1440 is "24:00", the end of the day. */
export function timeOfMinutes(minutes: number): string {
  const h = Math.floor(minutes / 60);
  return `${String(h).padStart(2, "0")}:${String(minutes % 60).padStart(2, "0")}`;
}

/** The days of a window, runs of consecutive days joined: "Mon–Fri, Sun". */
export function daysText(days: readonly number[], t: Translate): string {
  const sorted = [...new Set(days)].sort((a, b) => a - b);
  const runs: [number, number][] = [];
  for (const d of sorted) {
    const last = runs[runs.length - 1];
    if (last && last[1] === d - 1) last[1] = d;
    else runs.push([d, d]);
  }
  const name = (d: number) => t(dayKeys[d - 1] ?? "day.1");
  return runs
    .map(([a, b]) =>
      a === b ? name(a) : b === a + 1 ? `${name(a)}, ${name(b)}` : `${name(a)}–${name(b)}`,
    )
    .join(", ");
}

/** One playlist source in words. */
export function sourceText(
  s: PlaylistSource,
  t: Translate,
  announcementTitle: (id: string) => string,
): string {
  switch (s.type) {
    case "discredited":
      return s.layout === "list" ? t("source.discreditedList") : t("source.discredited");
    case "redlist":
      return t("source.redlist");
    case "announcement":
      return t("source.announcement", { title: announcementTitle(s.id) });
    case "announcementsTagged":
      return t("source.tagged", { tag: s.tag });
  }
}

/**
 * A window in words: "Mon–Fri 07:00–22:00", and for a window of tagged screens only
 * "Mon–Fri 07:00–22:00 (only screens tagged metro)".
 */
export function windowSummary(w: TimeWindow, t: Translate): string {
  const when = `${daysText(w.days, t)} ${w.start}–${w.end}`;
  const tags = w.screenTags ?? [];
  return tags.length === 0
    ? when
    : `${when} (${t("schedules.screenTagsSummary", { tags: tags.join(", ") })})`;
}

/** Tags typed in a text field: split at commas (either width), trimmed, each once. */
export function tagsOfText(text: string): string[] {
  return [...new Set(text.split(/[,，]/).map((s) => s.trim()))].filter((s) => s !== "");
}
