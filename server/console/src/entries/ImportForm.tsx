import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { District } from "../../../../shared/schemas/district";
import { EntryKindSchema, type EntryKind } from "../../../../shared/schemas/entry";
import type { ImportProgressEvent } from "../../../../shared/schemas/importProgress";
import {
  describeLines,
  groupImportProblems,
  wordProblem,
} from "../../../../shared/import/groupImportProblems";
import type { ImportReport, ImportRow } from "../../../../shared/schemas/importReport";
import type { Language } from "../../../../shared/schemas/announcement";
import { useI18n, type Message } from "../lib/i18n";
import { DistrictChecklist } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { SelectField } from "../ui/SelectField";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { importExport, importReportCsv } from "./entriesApi";
import { kindKeys } from "./entryLabels";
import { watchImportProgress } from "./importProgress";

/** Bulk import of a court export (CSV or JSON) with an optional photo zip, and its report. */
export function ImportForm({
  districts,
  districtLabel,
  fail,
  onImported,
}: {
  districts: readonly District[];
  districtLabel: (id: string) => string;
  fail: (err: unknown, show: (text: string) => void) => void;
  onImported: (report: ImportReport) => void;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [kind, setKind] = useState<EntryKind>("discredited");
  const [districtIds, setDistrictIds] = useState<string[]>([]);
  const [expiryDate, setExpiryDate] = useState("");
  const [listingYears, setListingYears] = useState("");
  const [file, setFile] = useState<File | null>(null);
  const [photos, setPhotos] = useState<File | null>(null);
  const [withoutPhotos, setWithoutPhotos] = useState(false);
  const [uploaded, setUploaded] = useState<number | null>(null);
  const [error, setError] = useState<{ text: Message; field?: "file" | "districts" } | null>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [progress, setProgress] = useState<ImportProgressEvent | null>(null);

  const submit = async (e: FormEvent | null, again?: { withoutPhotos: true }): Promise<void> => {
    e?.preventDefault();
    setError(null);
    if (!file) return setError({ text: (tr) => tr("import.fileMissing"), field: "file" });
    if (districtIds.length === 0)
      return setError({ text: (tr) => tr("entries.pickDistrict"), field: "districts" });
    setBusy(true);
    setReport(null);
    setProgress(null);
    setUploaded(0);
    const progressId = crypto.randomUUID();
    const stop = await watchImportProgress(progressId, setProgress);
    try {
      const r = await importExport({
        kind,
        districtIds,
        expiryDate,
        listingYears,
        file,
        photos,
        withoutPhotos: again?.withoutPhotos ?? withoutPhotos,
        progressId,
        onUpload: setUploaded,
      });
      setReport(r);
      onImported(r);
    } catch (err) {
      fail(err, (text) => setError({ text: () => text }));
    } finally {
      stop();
      setBusy(false);
      setUploaded(null);
    }
  };

  return (
    <>
      <form
        className="panel-form"
        onSubmit={(e) => void submit(e)}
        noValidate
        aria-labelledby="import-heading"
        aria-busy={busy}
      >
        <h2 id="import-heading" ref={heading} tabIndex={-1}>
          {t("import.title")}
        </h2>
        <p className="hint">{t("import.intro")}</p>
        <FormAlert message={error?.text(t) ?? null} />
        <div className="row">
          <Field
            label={t("import.file")}
            type="file"
            accept=".csv,.json,text/csv,application/json"
            invalid={error?.field === "file"}
            onChange={(e) => setFile(e.target.files?.[0] ?? null)}
          />
          <Field
            label={t("import.photos")}
            hint={t("import.photosHint")}
            type="file"
            accept=".zip,application/zip"
            onChange={(e) => setPhotos(e.target.files?.[0] ?? null)}
          />
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={withoutPhotos}
            onChange={(e) => setWithoutPhotos(e.target.checked)}
            aria-describedby="import-without-photos-hint"
          />
          {t("importForm.withoutPhotos")}
        </label>
        <p className="hint" id="import-without-photos-hint">
          {t("importForm.withoutPhotosHint")}
        </p>
        <div className="row">
          <SelectField
            label={t("entries.kind")}
            value={kind}
            onChange={setKind}
            options={EntryKindSchema.options.map((k) => [k, t(kindKeys[k])] as const)}
          />
          <Field
            label={t("import.expiryDate")}
            type="date"
            value={expiryDate}
            onChange={(e) => setExpiryDate(e.target.value)}
          />
          <Field
            label={t("import.listingYears")}
            type="number"
            min={1}
            max={10}
            value={listingYears}
            onChange={(e) => setListingYears(e.target.value)}
          />
        </div>
        <DistrictChecklist
          legend={t("entries.shownIn")}
          districts={districts}
          districtLabel={districtLabel}
          value={districtIds}
          onChange={setDistrictIds}
          invalid={error?.field === "districts"}
        />
        <button type="submit" disabled={busy}>
          {busy ? t("import.busy") : t("import.submit")}
        </button>
        {busy && <ImportProgressBar progress={progress} uploaded={uploaded} />}
      </form>
      {report && (
        <ImportReportView
          report={report}
          busy={busy}
          onRetryWithoutPhotos={
            withoutPhotos ? undefined : () => void submit(null, { withoutPhotos: true })
          }
        />
      )}
    </>
  );
}

/** How far a running import has got: a progress bar and a sentence, read out politely. */
function ImportProgressBar({
  progress,
  uploaded,
}: {
  progress: ImportProgressEvent | null;
  /** How much of the upload is sent (0–1), until the server reports its own progress. */
  uploaded: number | null;
}) {
  const { t } = useI18n();
  // The files are still on their way while the server has not said anything yet.
  const uploading = progress === null && uploaded !== null && uploaded < 1;
  const counted = progress !== null && progress.total > 0 && progress.phase !== "parsing";
  const text = uploading
    ? t("importForm.progressUploading", { percent: Math.floor(uploaded * 100) })
    : progress === null || progress.phase === "parsing"
      ? t("import.progressReading")
      : progress.phase === "checking"
        ? t("import.progressChecking", { done: progress.done, total: progress.total })
        : progress.phase === "saving"
          ? t("import.progressSaving", { done: progress.done, total: progress.total })
          : t("import.progressDone");
  return (
    <div className="import-progress" role="status" aria-live="polite">
      <progress
        aria-label={t("import.progressLabel")}
        {...(uploading
          ? { max: 100, value: Math.floor(uploaded * 100) }
          : counted
            ? { max: progress.total, value: progress.done }
            : {})}
      />
      <span data-testid="import-progress-text">{text}</span>
    </div>
  );
}

/** The per-row outcome of an import, with the report as a CSV download. */
function ImportReportView({
  report,
  busy,
  onRetryWithoutPhotos,
}: {
  report: ImportReport;
  busy: boolean;
  /** Re-imports the same file without the missing photos; absent when that was already asked. */
  onRetryWithoutPhotos: (() => void) | undefined;
}) {
  const { t, language } = useI18n();
  const groups = useMemo(() => groupImportProblems(report.rows), [report]);
  const photosMissing = report.rows.some(
    (r) =>
      r.status === "refused" &&
      (r.problems ?? []).some((p) => p.reason === "import.photoNotSuppliedTryWithout"),
  );
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const href = useMemo(
    () => URL.createObjectURL(new Blob([importReportCsv(report)], { type: "text/csv" })),
    [report],
  );
  useEffect(() => () => URL.revokeObjectURL(href), [href]);
  const statusKey = {
    accepted: "import.accepted",
    unchanged: "import.unchanged",
    refused: "import.refused",
  } as const;
  const base = report.fileName.replace(/\.[^.]*$/, "");

  return (
    <section className="panel" aria-labelledby="report-heading">
      <h2 id="report-heading" ref={heading} tabIndex={-1}>
        {t("import.reportTitle", { file: report.fileName })}
      </h2>
      <p role="status">
        {t("import.summary", {
          total: report.total,
          accepted: report.accepted,
          unchanged: report.unchanged,
          refused: report.refused,
        })}
      </p>
      <p>
        <a href={href} download={`${base}-import-report.csv`}>
          {t("import.download")}
        </a>
      </p>
      {groups.length > 0 && (
        <section aria-labelledby="report-groups-heading" className="import-groups">
          <h3 id="report-groups-heading">{t("importReport.groupsTitle")}</h3>
          <ul>
            {groups.map((g) => (
              <li key={g.key} data-testid="import-group">
                {t(g.refused ? "importReport.groupRefused" : "importReport.groupNoted", {
                  count: g.lines.length,
                  lines: describeLines(g.lines),
                  line: g.exampleLine,
                })}{" "}
                {wordProblem(g.example, language)}
              </li>
            ))}
          </ul>
        </section>
      )}
      {photosMissing && onRetryWithoutPhotos && (
        <p>
          <button type="button" disabled={busy} onClick={onRetryWithoutPhotos}>
            {t("importReport.retryWithoutPhotos")}
          </button>{" "}
          <span className="hint">{t("importReport.retryHint")}</span>
        </p>
      )}
      <div className="table-scroll report">
        <table>
          <caption className="visually-hidden">
            {t("import.reportTitle", { file: report.fileName })}
          </caption>
          <thead>
            <tr>
              <th scope="col">{t("import.line")}</th>
              <th scope="col">{t("import.status")}</th>
              <th scope="col">{t("import.detail")}</th>
            </tr>
          </thead>
          <tbody>
            {report.rows.map((r) => (
              <tr key={r.line}>
                <th scope="row">{r.line}</th>
                <td>
                  <span className={`badge ${r.status === "refused" ? "offline" : "online"}`}>
                    {t(statusKey[r.status])}
                  </span>
                </td>
                <td className="break">{rowDetail(r, language)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}

/** A row's case number, or its reasons in the console's language (English for older reports). */
function rowDetail(row: ImportRow, language: Language): string {
  if (row.status === "refused") {
    return row.problems === undefined
      ? row.reasons.join(" ")
      : row.problems.map((p) => wordProblem(p, language)).join(" ");
  }
  if (row.status === "accepted" && row.notes !== undefined) {
    return [row.caseNumber, ...row.notes.map((n) => wordProblem(n, language))].join(" — ");
  }
  return row.caseNumber;
}
