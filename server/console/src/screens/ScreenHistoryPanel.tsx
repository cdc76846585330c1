import { useId, useState } from "react";
import type { Screen, ScreenHistory, StatusReportView } from "../../../../shared/schemas/screen";
import { useI18n, type Translate } from "../lib/i18n";
import { SelectField } from "../ui/SelectField";
import type { Fail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { dayTicks, timelineSegments, type TimelineSegment } from "./connectivityTimeline";
import { fetchScreenHistory } from "./screensApi";
import { showingText } from "./showingText";
import "./screenHistory.css";

/** The periods one can look back over (the server keeps a week and a day). */
const PERIODS = ["7", "3", "1"] as const;
type Period = (typeof PERIODS)[number];

/** A clock off by this much or more is marked (the alert monitor's default limit). */
const SKEW_MARKED_MS = 2_000;
/** Storage this full or more is marked (the alert monitor's default share). */
const STORAGE_MARKED_SHARE = 0.9;

/** A duration in words, from days down to minutes: "6 d 4 h", "3 h 20 min", "45 s". */
export function spanText(ms: number, t: Translate): string {
  const minutes = Math.floor(ms / 60_000);
  const d = Math.floor(minutes / 1440);
  const h = Math.floor((minutes % 1440) / 60);
  const m = minutes % 60;
  if (d > 0) return t("screens.dh", { d, h });
  if (h > 0) return t("screens.hm", { h, m });
  if (m > 0) return t("screens.min", { m });
  return t("screens.sec", { s: Math.round(ms / 1000) });
}

/**
 * A screen's history in a panel: a connectivity timeline over the last days (connected spans
 * and gaps, a tick per local midnight, in the district's time zone), its uptime, and its last
 * status reports.
 */
export function ScreenHistoryPanel({
  screen,
  timeZone,
  zoneIsDistrict,
  fail,
  onClose,
}: {
  screen: Screen;
  /** The time zone days and times are shown in: the district's, else the browser's. */
  timeZone: string;
  zoneIsDistrict: boolean;
  fail: Fail;
  onClose: () => void;
}) {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const headingId = useId();
  const [period, setPeriod] = useState<Period>("7");
  const loader = useLoader(() => fetchScreenHistory(screen.id, Number(period)), fail, {
    deps: [screen.id, period],
    refreshMs: 60_000,
  });
  const history = loader.data;
  const time = (iso: string) =>
    new Date(iso).toLocaleString(language, {
      timeZone,
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
    });

  return (
    <section className="panel screen-history" aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          {t("screens.historyTitle", { name: screen.name })}
        </h2>
        <button type="button" className="secondary small" onClick={onClose}>
          {t("screens.close")}
        </button>
      </div>
      <div className="history-controls">
        <SelectField
          label={t("screens.historyPeriod")}
          value={period}
          onChange={setPeriod}
          options={PERIODS.map((p) => [
            p,
            p === "1" ? t("screens.historyDay") : t("screens.historyDays", { n: Number(p) }),
          ])}
        />
        <p className="hint">
          {t("screens.timeZoneNote", {
            zone: timeZone,
            source: zoneIsDistrict ? t("screens.zoneDistrict") : t("screens.zoneBrowser"),
          })}
        </p>
      </div>
      {loader.error !== null && <p className="error">{loader.error}</p>}
      {history === null ? (
        <p>{t("common.loading")}</p>
      ) : (
        <div aria-busy={loader.status === "loading"}>
          <UptimeSummary history={history} t={t} time={time} />
          <ConnectivityBar history={history} name={screen.name} timeZone={timeZone} time={time} />
          <ReportsTable reports={history.reports} time={time} />
        </div>
      )}
    </section>
  );
}

function UptimeSummary({
  history,
  t,
  time,
}: {
  history: ScreenHistory;
  t: Translate;
  time: (iso: string) => string;
}) {
  const percent = history.uptimePercent;
  const sincePairing = Date.parse(history.observedFrom) > Date.parse(history.from);
  const level = percent === null ? "" : percent >= 99 ? "good" : percent >= 90 ? "fair" : "poor";
  return (
    <div className="uptime" data-testid="uptime">
      <p className={`uptime-figure ${level}`}>
        <span className="uptime-label">{t("screens.uptime")}</span>
        <strong>{percent === null ? "—" : t("screens.percent", { n: percent.toFixed(1) })}</strong>
      </p>
      <p>
        {percent === null
          ? t("screens.uptimeNone")
          : sincePairing
            ? t("screens.uptimeSincePaired", {
                time: spanText(history.connectedMs, t),
                date: time(history.observedFrom),
              })
            : t("screens.uptimeSummary", {
                time: spanText(history.connectedMs, t),
                days: history.days,
              })}
      </p>
    </div>
  );
}

/** The timeline bar with its day ticks and legend; the spans as a table for screen readers. */
function ConnectivityBar({
  history,
  name,
  timeZone,
  time,
}: {
  history: ScreenHistory;
  name: string;
  timeZone: string;
  time: (iso: string) => string;
}) {
  const { t, language } = useI18n();
  const from = Date.parse(history.from);
  const to = Date.parse(history.to);
  const segments = timelineSegments(history.spans, {
    from,
    to,
    observedFrom: Date.parse(history.observedFrom),
  });
  const ticks = dayTicks({ from, to }, timeZone, language);
  const gaps = segments.filter((s) => s.kind === "disconnected").length;
  const kindLabel: Record<TimelineSegment["kind"], string> = {
    connected: t("screens.legendConnected"),
    disconnected: t("screens.legendDisconnected"),
    unpaired: t("screens.legendUnpaired"),
  };
  const iso = (ms: number) => new Date(ms).toISOString();
  return (
    <figure className="timeline">
      <figcaption>{t("screens.timeline")}</figcaption>
      <div
        className="timeline-bar"
        role="img"
        data-testid="timeline"
        aria-label={t("screens.timelineLabel", {
          name,
          from: time(history.from),
          to: time(history.to),
          spans: history.spans.length,
          gaps,
        })}
      >
        {segments.map((s) => (
          <div
            key={`${s.kind}-${s.from}`}
            className={`timeline-segment ${s.kind}`}
            style={{ left: `${s.left}%`, width: `${s.width}%` }}
            title={`${kindLabel[s.kind]}: ${time(iso(s.from))} – ${time(iso(s.to))}`}
          />
        ))}
        {ticks.map((tick) => (
          <div key={tick.at} className="timeline-tick" style={{ left: `${tick.left}%` }} />
        ))}
      </div>
      <div className="timeline-axis" aria-hidden="true">
        {ticks.map((tick) => (
          // A label near the right end runs leftwards from its tick, so it is not cut off.
          <span
            key={tick.at}
            className={tick.left > 88 ? "end" : undefined}
            style={{ left: `${tick.left}%` }}
          >
            {tick.label}
          </span>
        ))}
      </div>
      <ul className="timeline-legend">
        {(["connected", "disconnected", "unpaired"] as const).map((k) => (
          <li key={k}>
            <span className={`swatch ${k}`} aria-hidden="true" />
            {kindLabel[k]}
          </li>
        ))}
      </ul>
      <details className="timeline-spans">
        <summary>{t("screens.spansTitle", { count: history.spans.length })}</summary>
        {history.spans.length === 0 ? (
          <p>{t("screens.spansNone")}</p>
        ) : (
          <div className="table-scroll">
            <table>
              <caption className="visually-hidden">
                {t("screens.spansTitle", { count: history.spans.length })}
              </caption>
              <thead>
                <tr>
                  <th scope="col">{t("screens.spanFrom")}</th>
                  <th scope="col">{t("screens.spanTo")}</th>
                  <th scope="col">{t("screens.spanLength")}</th>
                </tr>
              </thead>
              <tbody>
                {[...history.spans].reverse().map((s) => (
                  <tr key={`${s.from}-${s.to}`}>
                    <td className="nowrap">{time(s.from)}</td>
                    <td className="nowrap">{s.open ? t("screens.spanOpen") : time(s.to)}</td>
                    <td>{spanText(Date.parse(s.to) - Date.parse(s.from), t)}</td>
                  </tr>
                ))}
              </tbody>
            </table>
          </div>
        )}
      </details>
    </figure>
  );
}

function ReportsTable({
  reports,
  time,
}: {
  reports: readonly StatusReportView[];
  time: (iso: string) => string;
}) {
  const { t } = useI18n();
  if (reports.length === 0) return <p>{t("screens.reportsNone")}</p>;
  return (
    <div className="table-scroll">
      <table data-testid="status-reports">
        <caption>{t("screens.reportsTitle", { count: reports.length })}</caption>
        <thead>
          <tr>
            <th scope="col">{t("screens.reportAt")}</th>
            <th scope="col">{t("screens.reportApp")}</th>
            <th scope="col">{t("screens.currentSlide")}</th>
            <th scope="col">{t("screens.memory")}</th>
            <th scope="col">{t("screens.reportSkew")}</th>
            <th scope="col">{t("screens.reportStorage")}</th>
          </tr>
        </thead>
        <tbody>
          {reports.map((r) => (
            <tr key={r.at}>
              <td className="nowrap">{time(r.at)}</td>
              <td>{r.appVersion}</td>
              <td className="break">{showingText(r.showing, t)}</td>
              <td className="nowrap">
                {r.memoryMb === null ? "—" : t("screens.mb", { mb: Math.round(r.memoryMb) })}
              </td>
              <td className="nowrap">
                {r.clockSkewMs === null ? (
                  "—"
                ) : (
                  <span className={Math.abs(r.clockSkewMs) >= SKEW_MARKED_MS ? "marked" : ""}>
                    {t("screens.skew", {
                      seconds: `${r.clockSkewMs > 0 ? "+" : r.clockSkewMs < 0 ? "−" : ""}${(
                        Math.abs(r.clockSkewMs) / 1000
                      ).toFixed(1)}`,
                    })}
                  </span>
                )}
              </td>
              <td className="nowrap">
                <StorageCell used={r.storageUsedMb} quota={r.storageQuotaMb} t={t} />
              </td>
            </tr>
          ))}
        </tbody>
      </table>
    </div>
  );
}

function StorageCell({
  used,
  quota,
  t,
}: {
  used: number | null;
  quota: number | null;
  t: Translate;
}) {
  if (used === null) return <>—</>;
  if (quota === null || quota <= 0) return <>{t("screens.mb", { mb: Math.round(used) })}</>;
  const share = used / quota;
  return (
    <span className={share >= STORAGE_MARKED_SHARE ? "marked" : ""}>
      {t("screens.storageOf", {
        used: Math.round(used),
        quota: Math.round(quota),
        percent: Math.round(share * 100),
      })}
    </span>
  );
}
