import { useEffect, useState, type FormEvent } from "react";
import type { DistrictReport, ReportTakedown } from "../../../../shared/schemas/districtReport";
import { useI18n, type Translate } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { useDistricts } from "../shell/useDistricts";
import { DataTable } from "../ui/DataTable";
import { Field } from "../ui/Field";
import { SelectField } from "../ui/SelectField";
import { useFail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { fetchDistrictReport, periodQuery, reportCsvUrl, type ReportPeriod } from "./reportsApi";
import "./reports.css";

/** What the report shows: a district and a period, fixed when "Show report" is pressed. */
interface Asked {
  districtId: string;
  query: { from?: string; to?: string };
}

/** Seconds as the page words them: "45 s", "12 min", "3 h 20 min". */
export function duration(seconds: number, t: Translate): string {
  if (seconds < 60) return t("reports.seconds", { n: Math.round(seconds * 10) / 10 });
  const minutes = Math.round(seconds / 60);
  if (minutes < 60) return t("reports.minutes", { n: minutes });
  return t("reports.hoursMinutes", { h: Math.floor(minutes / 60), m: minutes % 60 });
}

/**
 * A district's report: its screens' uptime, plays per content and takedown times over the last
 * 7 or 30 days or chosen dates, with CSV downloads and a layout that prints on paper.
 */
export function ReportPage() {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const failWith = useFail();
  const { districts } = useDistricts((err) => failWith(err, setPickError));
  const [pickError, setPickError] = useState<string | null>(null);
  const [districtId, setDistrictId] = useState("");
  const [kind, setKind] = useState<ReportPeriod["kind"]>("last7");
  const [from, setFrom] = useState("");
  const [to, setTo] = useState("");
  const [asked, setAsked] = useState<Asked | null>(null);

  // The first district the user holds, reported on at once for the last 7 days.
  const first = districts[0]?.id;
  useEffect(() => {
    if (first === undefined || districtId !== "") return;
    setDistrictId(first);
    setAsked({ districtId: first, query: {} });
  }, [first, districtId]);

  const results = useLoader(
    () =>
      asked === null ? Promise.resolve(null) : fetchDistrictReport(asked.districtId, asked.query),
    failWith,
    { deps: [asked] },
  );
  const report = results.data;

  const show = (e: FormEvent): void => {
    e.preventDefault();
    if (districtId === "") return;
    const period: ReportPeriod =
      kind === "custom" ? { kind, from, to: to === "" ? from : to } : { kind };
    setAsked({ districtId, query: periodQuery(period) });
  };
  const label = (id: string): string => districtLabel(districts, id, language);

  return (
    <main id="main" className="wide district-report">
      <h1 ref={heading} tabIndex={-1}>
        {t("reports.title")}
      </h1>
      <p className="no-print">{t("reports.intro")}</p>

      <form className="filters no-print" onSubmit={show} aria-labelledby="report-choose">
        <h2 id="report-choose">{t("reports.choose")}</h2>
        {pickError !== null && (
          <p className="error" role="alert">
            {pickError}
          </p>
        )}
        <div className="row">
          <SelectField
            label={t("reports.district")}
            value={districtId}
            onChange={setDistrictId}
            options={districts.map((d) => [d.id, label(d.id)] as const)}
          />
          <SelectField
            label={t("reports.period")}
            value={kind}
            onChange={setKind}
            options={[
              ["last7", t("reports.last7")],
              ["last30", t("reports.last30")],
              ["custom", t("reports.custom")],
            ]}
          />
          {kind === "custom" && (
            <>
              <Field
                label={t("reports.from")}
                type="date"
                required
                value={from}
                onChange={(e) => setFrom(e.target.value)}
              />
              <Field
                label={t("reports.to")}
                type="date"
                value={to}
                min={from}
                onChange={(e) => setTo(e.target.value)}
              />
            </>
          )}
        </div>
        {kind === "custom" && <p className="hint">{t("reports.customHint")}</p>}
        <div className="toolbar">
          <button type="submit" disabled={districtId === ""}>
            {t("reports.show")}
          </button>
          <button
            type="button"
            className="secondary"
            disabled={report === null}
            onClick={() => window.print()}
          >
            {t("reports.print")}
          </button>
        </div>
      </form>

      {districts.length === 0 && pickError === null && results.status !== "loading" && (
        <p>{t("reports.noDistrict")}</p>
      )}
      {results.error !== null && (
        <p className="error" role="alert">
          {results.error}
        </p>
      )}
      {asked !== null && results.status === "loading" && (
        <p role="status">{t("reports.loading")}</p>
      )}
      {report !== null && asked !== null && results.status === "current" && (
        <ReportView report={report} districtName={label(report.districtId)} asked={asked} />
      )}
    </main>
  );
}

/** The report itself: its heading, summary figures and three tables. */
function ReportView({
  report,
  districtName,
  asked,
}: {
  report: DistrictReport;
  districtName: string;
  asked: Asked;
}) {
  const { t, language } = useI18n();
  const day = (iso: string): string =>
    new Date(iso).toLocaleString(language, { dateStyle: "medium", timeStyle: "short" });
  const when = (iso: string): string => new Date(iso).toLocaleString(language);
  const pct = (n: number | null): string =>
    n === null ? t("reports.none") : t("reports.percent", { n: n.toLocaleString(language) });
  const secs = (n: number | null): string => (n === null ? t("reports.none") : duration(n, t));
  const { screens, plays, takedowns } = report;
  const times = takedowns.secondsToLast;
  const kindOf = (k: ReportTakedown["contentType"]): string => t(`reports.kind.${k}`);

  return (
    <article className="report-sheet" aria-labelledby="report-heading">
      <header className="report-head">
        <h2 id="report-heading">{t("reports.heading", { district: districtName })}</h2>
        <p className="report-span">
          {t("reports.span", { from: day(report.from), to: day(report.to) })}
        </p>
        <p className="muted">{t("reports.generated", { time: when(report.generatedAt) })}</p>
      </header>

      <section aria-labelledby="report-summary">
        <h3 id="report-summary" className="visually-hidden">
          {t("reports.summary")}
        </h3>
        <dl className="report-figures">
          <div>
            <dt>{t("reports.sumScreens")}</dt>
            <dd data-figure="screens">{screens.count}</dd>
            <dd className="muted">{t("reports.sumScreensDetail", { online: screens.online })}</dd>
          </div>
          <div>
            <dt>{t("reports.sumUptime")}</dt>
            <dd data-figure="uptime">{pct(screens.uptimePercent)}</dd>
            <dd className="muted">{t("reports.sumUptimeDetail")}</dd>
          </div>
          <div>
            <dt>{t("reports.sumPlays")}</dt>
            <dd data-figure="plays">{plays.total.toLocaleString(language)}</dd>
            <dd className="muted">
              {t("reports.sumPlaysDetail", { time: duration(plays.seconds, t) })}
            </dd>
          </div>
          <div>
            <dt>{t("reports.sumTakedowns")}</dt>
            <dd data-figure="takedowns">{takedowns.count}</dd>
            <dd className="muted">
              {t("reports.sumTakedownsDetail", { incomplete: takedowns.incomplete })}
            </dd>
          </div>
        </dl>
      </section>

      <section aria-labelledby="report-screens">
        <div className="section-head">
          <h3 id="report-screens">{t("reports.screens")}</h3>
          <a
            className="button-link secondary no-print"
            href={reportCsvUrl(asked.districtId, asked.query, "screens")}
            download
          >
            {t("reports.csvScreens")}
          </a>
        </div>
        {screens.items.length === 0 ? (
          <p>{t("reports.screensNone")}</p>
        ) : (
          <DataTable
            caption={t("reports.screens")}
            columns={[
              t("reports.screen"),
              t("reports.inDistrict"),
              t("reports.state"),
              t("reports.now"),
              t("reports.connected"),
              t("reports.uptime"),
            ]}
          >
            {screens.items.map((s) => (
              <tr key={s.id}>
                <th scope="row" className="break">
                  {s.name}
                </th>
                <td>{s.districtId}</td>
                <td>{t(s.state === "active" ? "reports.active" : "reports.revoked")}</td>
                <td>
                  <span className={`badge ${s.online ? "online" : "offline"}`}>
                    {t(s.online ? "reports.online" : "reports.offline")}
                  </span>
                </td>
                <td className="num">{duration(s.connectedMinutes * 60, t)}</td>
                <td className="num">
                  <span className="uptime">
                    <span className="uptime-bar" aria-hidden="true">
                      <span style={{ width: `${s.uptimePercent ?? 0}%` }} />
                    </span>
                    {pct(s.uptimePercent)}
                  </span>
                </td>
              </tr>
            ))}
          </DataTable>
        )}
        {screens.truncated && (
          <p className="hint">
            {t("reports.screensTruncated", { shown: screens.items.length, count: screens.count })}
          </p>
        )}
      </section>

      <section aria-labelledby="report-plays">
        <div className="section-head">
          <h3 id="report-plays">{t("reports.plays")}</h3>
          <a
            className="button-link secondary no-print"
            href={reportCsvUrl(asked.districtId, asked.query, "plays")}
            download
          >
            {t("reports.csvPlays")}
          </a>
        </div>
        {plays.items.length === 0 ? (
          <p>{t("reports.playsNone")}</p>
        ) : (
          <DataTable
            caption={t("reports.plays")}
            columns={[
              t("reports.content"),
              t("reports.kind"),
              t("reports.playCount"),
              t("reports.shown"),
            ]}
          >
            {plays.items.map((p) => (
              <tr key={`${p.kind}:${p.contentId}`}>
                <th scope="row" className="break">
                  {p.label ?? t("reports.unnamed")}
                </th>
                <td>{kindOf(p.kind)}</td>
                <td className="num">{p.plays.toLocaleString(language)}</td>
                <td className="num">{duration(p.seconds, t)}</td>
              </tr>
            ))}
          </DataTable>
        )}
        {plays.truncated && (
          <p className="hint">{t("reports.playsTruncated", { shown: plays.items.length })}</p>
        )}
      </section>

      <section aria-labelledby="report-takedowns">
        <div className="section-head">
          <h3 id="report-takedowns">{t("reports.takedowns")}</h3>
          <a
            className="button-link secondary no-print"
            href={reportCsvUrl(asked.districtId, asked.query, "takedowns")}
            download
          >
            {t("reports.csvTakedowns")}
          </a>
        </div>
        {takedowns.items.length > 0 && (
          <p data-figure="takedown-times">
            {times.measured === 0
              ? t("reports.takedownTimesNone")
              : t("reports.takedownTimes", {
                  p50: secs(times.p50),
                  p90: secs(times.p90),
                  max: secs(times.max),
                  measured: times.measured,
                })}
          </p>
        )}
        {takedowns.items.length === 0 ? (
          <p>{t("reports.takedownsNone")}</p>
        ) : (
          <DataTable
            caption={t("reports.takedowns")}
            columns={[
              t("reports.issued"),
              t("reports.what"),
              t("reports.action"),
              t("reports.sentTo"),
              t("reports.acknowledged"),
              t("reports.never"),
              t("reports.toLast"),
            ]}
          >
            {takedowns.items.map((d) => (
              <tr key={d.version}>
                <td className="nowrap">{when(d.at)}</td>
                <th scope="row" className="break">
                  {d.label ?? t("reports.unnamed")}
                </th>
                <td>{t(`reports.takedown.${d.kind}`)}</td>
                <td className="num">{d.screens}</td>
                <td className="num">{d.acknowledged}</td>
                <td className={`num${d.neverAcknowledged > 0 ? " missing" : ""}`}>
                  {d.neverAcknowledged}
                </td>
                <td className="num">{secs(d.secondsToLast)}</td>
              </tr>
            ))}
          </DataTable>
        )}
        {takedowns.items.length > 0 && <p className="hint">{t("reports.toLastHint")}</p>}
        {takedowns.truncated && (
          <p className="hint">
            {t("reports.takedownsTruncated", { shown: takedowns.items.length })}
          </p>
        )}
      </section>
    </article>
  );
}
