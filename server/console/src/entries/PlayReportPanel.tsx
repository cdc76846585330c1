import { useCallback, useEffect, useEffectEvent, useId, useState, type FormEvent } from "react";
import type { PlayReport, PlayView } from "../../../../shared/schemas/proofOfPlay";
import { useI18n, type PlainMessageKey, type Translate } from "../lib/i18n";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import type { PlayRange } from "./playsApi";

const kindKeys: Record<PlayView["kind"], PlainMessageKey> = {
  announcement: "plays.kindAnnouncement",
  entry: "plays.kindEntry",
  emergency: "plays.kindEmergency",
};

/** A duration in words: "2 h 5 min", "3 min 20 s", "8 s". */
export function durationText(ms: number, t: Translate): string {
  const s = Math.round(ms / 1000);
  const h = Math.floor(s / 3600);
  const m = Math.floor((s % 3600) / 60);
  if (h > 0) return t("plays.hm", { h, m });
  if (m > 0) return t("plays.ms", { m, s: s % 60 });
  return t("plays.s", { s });
}

/**
 * A proof-of-play report in a panel: a range form, the totals, one row per group (content
 * for a screen, screen for an entry) and the latest plays.
 */
export function PlayReportPanel({
  title,
  groupColumn,
  load,
  playLabel,
  fail,
  onClose,
}: {
  title: string;
  /** The heading of the groups' first column ("Content", "Screen"). */
  groupColumn: string;
  load: (range: PlayRange) => Promise<PlayReport>;
  /** What a play in the latest list showed, or where (given the report's group labels). */
  playLabel: (play: PlayView, groupLabels: ReadonlyMap<string, string>) => string;
  fail: (err: unknown, show: (text: string) => void) => void;
  onClose: () => void;
}) {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const headingId = useId();
  const [range, setRange] = useState<PlayRange>({ from: "", to: "", limit: 50 });
  const [report, setReport] = useState<PlayReport | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const fetchReport = useCallback(
    async (r: PlayRange): Promise<void> => {
      setError(null);
      setBusy(true);
      try {
        setReport(await load(r));
      } catch (err) {
        fail(err, setError);
      } finally {
        setBusy(false);
      }
    },
    [load, fail],
  );

  // An Effect Event: the range the panel opens with, not a fetch per change of it.
  const fetchFirst = useEffectEvent(() => void fetchReport(range));
  useEffect(() => {
    fetchFirst();
    // The first report is fetched on opening; later ones on request.
  }, []);

  const submit = (e: FormEvent): void => {
    e.preventDefault();
    void fetchReport(range);
  };
  const time = (iso: string) => new Date(iso).toLocaleString(language);
  const labels = new Map(report?.groups.map((g) => [g.id, g.label]) ?? []);

  return (
    <section className="panel" aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          {title}
        </h2>
        <button type="button" className="secondary small" onClick={onClose}>
          {t("screens.close")}
        </button>
      </div>
      <form onSubmit={submit} noValidate aria-label={t("plays.range")}>
        <FormAlert message={error} />
        <div className="row">
          <Field
            label={t("plays.from")}
            type="date"
            value={range.from}
            onChange={(e) => setRange({ ...range, from: e.target.value })}
          />
          <Field
            label={t("plays.to")}
            type="date"
            value={range.to}
            onChange={(e) => setRange({ ...range, to: e.target.value })}
          />
        </div>
        <p className="hint">{t("plays.rangeHint")}</p>
        <button type="submit" disabled={busy}>
          {busy ? t("common.loading") : t("plays.show")}
        </button>
      </form>
      {report && (
        <div aria-live="polite" className="plays-report">
          <p data-testid="plays-summary">
            {t("plays.summary", {
              plays: report.plays,
              time: durationText(report.totalMs, t),
              from: time(report.from),
              to: report.to === null ? t("plays.now") : time(report.to),
            })}
          </p>
          {report.groups.length === 0 ? (
            <p>{t("plays.none")}</p>
          ) : (
            <>
              <div className="table-scroll">
                <table>
                  <caption>{t("plays.byGroup")}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{groupColumn}</th>
                      <th scope="col">{t("plays.count")}</th>
                      <th scope="col">{t("plays.total")}</th>
                      <th scope="col">{t("plays.last")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.groups.map((g) => (
                      <tr key={g.id}>
                        <th scope="row">{g.label}</th>
                        <td>{g.plays}</td>
                        <td>{durationText(g.totalMs, t)}</td>
                        <td className="nowrap">{time(g.lastAt)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
              <div className="table-scroll">
                <table>
                  <caption>{t("plays.recent", { count: report.recent.length })}</caption>
                  <thead>
                    <tr>
                      <th scope="col">{t("plays.started")}</th>
                      <th scope="col">{t("plays.what")}</th>
                      <th scope="col">{t("plays.duration")}</th>
                    </tr>
                  </thead>
                  <tbody>
                    {report.recent.map((p) => (
                      <tr key={p.id}>
                        <td className="nowrap">{time(p.startedAt)}</td>
                        <td>
                          {playLabel(p, labels)}{" "}
                          <small className="muted">
                            {t(kindKeys[p.kind])} · v{p.version}
                          </small>
                        </td>
                        <td>{durationText(p.durationMs, t)}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </div>
      )}
    </section>
  );
}
