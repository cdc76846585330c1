import { useEffect, useMemo, useState, type FormEvent } from "react";
import type { District } from "../../../../shared/schemas/district";
import { EntryKindSchema, type EntryKind } from "../../../../shared/schemas/entry";
import type { ImportProgressEvent } from "../../../../shared/schemas/importProgress";
import type { ImportReport } from "../../../../shared/schemas/importReport";
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
  const [error, setError] = useState<{ text: Message; field?: "file" | "districts" } | null>(null);
  const [busy, setBusy] = useState(false);
  const [report, setReport] = useState<ImportReport | null>(null);
  const [progress, setProgress] = useState<ImportProgressEvent | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    if (!file) return setError({ text: (tr) => tr("import.fileMissing"), field: "file" });
    if (districtIds.length === 0)
      return setError({ text: (tr) => tr("entries.pickDistrict"), field: "districts" });
    setBusy(true);
    setReport(null);
    setProgress(null);
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
        progressId,
      });
      setReport(r);
      onImported(r);
    } catch (err) {
      fail(err, (text) => setError({ text: () => text }));
    } finally {
      stop();
      setBusy(false);
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
        {busy && <ImportProgressBar progress={progress} />}
      </form>
      {report && <ImportReportView report={report} />}
    </>
  );
}

/** How far a running import has got: a progress bar and a sentence, read out politely. */
function ImportProgressBar({ progress }: { progress: ImportProgressEvent | null }) {
  const { t } = useI18n();
  const counted = progress !== null && progress.total > 0 && progress.phase !== "parsing";
  const text =
    progress === null || progress.phase === "parsing"
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
        {...(counted ? { max: progress.total, value: progress.done } : {})}
      />
      <span data-testid="import-progress-text">{text}</span>
    </div>
  );
}

/** The per-row outcome of an import, with the report as a CSV download. */
function ImportReportView({ report }: { report: ImportReport }) {
  const { t } = useI18n();
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
                <td className="break">
                  {r.status === "refused" ? r.reasons.join(" ") : r.caseNumber}
                </td>
              </tr>
            ))}
          </tbody>
        </table>
      </div>
    </section>
  );
}
