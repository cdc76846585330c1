import { useState, type FormEvent } from "react";
import { fromLocalMs } from "../../../../shared/schedule/zonedTime";
import type { Announcement } from "../../../../shared/schemas/announcement";
import type { IdleSlide } from "../../../../shared/schemas/schedule";
import type { ScheduleResult, Timeline } from "../../../../shared/schemas/timeline";
import { useI18n, type Translate } from "../lib/i18n";
import { fetchEntry } from "../review/reviewApi";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { SelectField } from "../ui/SelectField";
import { fetchEmergencies, fetchTimeline } from "./schedulesApi";

/** The most stretches listed; a short dwell over hours makes thousands. */
const MAX_ROWS = 60;

/** "YYYY-MM-DDTHH:MM" of an instant in a time zone (the value a datetime-local input takes). */
function localInputValue(instant: number, timeZone: string): string {
  const parts = new Intl.DateTimeFormat("en-CA", {
    timeZone,
    year: "numeric",
    month: "2-digit",
    day: "2-digit",
    hour: "2-digit",
    minute: "2-digit",
    hourCycle: "h23",
  }).formatToParts(instant);
  const get = (type: string) => parts.find((p) => p.type === type)?.value ?? "00";
  return `${get("year")}-${get("month")}-${get("day")}T${get("hour")}:${get("minute")}`;
}

/** The instant a "YYYY-MM-DDTHH:MM" wall-clock time names in a time zone, or null. */
function instantOf(value: string, timeZone: string): number | null {
  const m = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2})$/.exec(value);
  if (!m) return null;
  const [, y, mo, d, h, mi] = m.map(Number);
  if (y === undefined || mo === undefined || d === undefined || h === undefined || mi === undefined)
    return null;
  return fromLocalMs(Date.UTC(y, mo - 1, d, h, mi), timeZone);
}

/**
 * "What plays at": the saved schedule of a district evaluated by the server with the same pure
 * function the screens run, from a wall-clock time in the district's zone, listed slide by slide.
 */
export function SchedulePreview({
  districtId,
  timeZone,
  idleSlide,
  announcements,
  unsaved,
  fail,
}: {
  districtId: string;
  timeZone: string;
  idleSlide: IdleSlide | undefined;
  announcements: readonly Announcement[];
  /** The draft differs from what is saved; the preview shows only what is saved. */
  unsaved: boolean;
  fail: (err: unknown, show: (text: string) => void) => void;
}) {
  const { t, language } = useI18n();
  const [at, setAt] = useState(() => localInputValue(Date.now(), timeZone));
  const [hours, setHours] = useState<"1" | "2" | "4" | "8" | "24">("1");
  const [timeline, setTimeline] = useState<Timeline | null>(null);
  const [labels, setLabels] = useState<Record<string, string>>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const show = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    const from = instantOf(at, timeZone);
    if (from === null) {
      setError(t("error.required", { field: t("preview.at") }));
      return;
    }
    setBusy(true);
    try {
      const tl = await fetchTimeline(districtId, new Date(from), Number(hours));
      setTimeline(tl);
      // Names for what is listed: entries one by one, emergencies from the active list.
      const ids = new Set<string>();
      let emergency = false;
      for (const s of [tl.now, ...tl.segments.slice(0, MAX_ROWS).map((x) => x.result)]) {
        if (s?.kind === "slide" && !announcements.some((a) => a.id === s.itemId)) ids.add(s.itemId);
        if (s?.kind === "emergency") emergency = true;
      }
      const found: Record<string, string> = {};
      await Promise.all(
        [...ids].map(async (id) => {
          const entry = await fetchEntry(id).catch(() => null);
          if (entry) found[id] = `${entry.maskedName} · ${entry.caseNumber}`;
        }),
      );
      if (emergency)
        for (const em of await fetchEmergencies().catch(() => [])) found[em.id] = em.title;
      setLabels(found);
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  };

  const when = (iso: string) =>
    new Date(iso).toLocaleString(language, {
      timeZone,
      month: "2-digit",
      day: "2-digit",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
      hourCycle: "h23",
    });

  return (
    <section className="panel" aria-labelledby="preview-heading">
      <h2 id="preview-heading">{t("preview.title")}</h2>
      <p className="hint">{t("preview.intro", { zone: timeZone })}</p>
      <p className="hint">{t("preview.untagged")}</p>
      {unsaved && <p className="notice">{t("preview.unsaved")}</p>}
      <form onSubmit={(e) => void show(e)} noValidate aria-label={t("preview.title")}>
        <FormAlert message={error} />
        <div className="row">
          <Field
            label={t("preview.at")}
            type="datetime-local"
            value={at}
            onChange={(e) => setAt(e.target.value)}
          />
          <SelectField
            label={t("preview.hours")}
            value={hours}
            onChange={setHours}
            options={(["1", "2", "4", "8", "24"] as const).map(
              (h) => [h, t("preview.nHours", { n: h })] as const,
            )}
          />
        </div>
        <button type="submit" disabled={busy}>
          {busy ? t("common.loading") : t("preview.show")}
        </button>
      </form>
      {timeline && (
        <div aria-live="polite">
          {/* Without a schedule the screens play the fallback rotation: listed all the same. */}
          {timeline.scheduleFrom === null && <p>{t("preview.noSchedule")}</p>}
          <p className="preview-now">
            <strong>{t("preview.atThatMoment")}</strong>{" "}
            <span data-testid="preview-now">
              {timeline.now ? describe(timeline.now, t, labels, announcements, idleSlide) : "—"}
            </span>
          </p>
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">{t("preview.title")}</caption>
              <thead>
                <tr>
                  <th scope="col">{t("preview.from")}</th>
                  <th scope="col">{t("preview.to")}</th>
                  <th scope="col">{t("preview.shows")}</th>
                </tr>
              </thead>
              <tbody>
                {timeline.segments.slice(0, MAX_ROWS).map((s) => (
                  <tr key={s.start}>
                    <td className="nowrap">{when(s.start)}</td>
                    <td className="nowrap">{when(s.end)}</td>
                    <td>{describe(s.result, t, labels, announcements, idleSlide)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
          {timeline.segments.length > MAX_ROWS && (
            <p className="hint">
              {t("preview.more", { n: MAX_ROWS, total: timeline.segments.length })}
            </p>
          )}
        </div>
      )}
    </section>
  );
}

/** What a screen shows, in words. */
function describe(
  r: ScheduleResult,
  t: Translate,
  labels: Record<string, string>,
  announcements: readonly Announcement[],
  idleSlide: IdleSlide | undefined,
): string {
  switch (r.kind) {
    case "emergency":
      return t("preview.emergency", { title: labels[r.emergencyId] ?? r.emergencyId });
    case "idle":
      return t("preview.idle", { title: idleSlide?.title ?? "" });
    case "blank":
      return t("preview.blank");
    case "slide": {
      const position = t("preview.position", { n: r.index + 1, count: r.count });
      if (r.list)
        return `${t("preview.listPage", {
          page: r.list.page + 1,
          pages: r.list.pages,
          n: r.list.itemIds.length,
        })} · ${position}`;
      const a = announcements.find((x) => x.id === r.itemId);
      const what = a
        ? t("preview.announcement", { title: a.title })
        : t("preview.entry", { name: labels[r.itemId] ?? r.itemId });
      return `${what} · ${position}`;
    }
  }
}
