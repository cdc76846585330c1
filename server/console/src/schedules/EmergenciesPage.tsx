import { useEffect, useRef, useState, type FormEvent } from "react";
import { findPersonalData } from "../../../../shared/privacy/freeTextCheck";
import type { District } from "../../../../shared/schemas/district";
import type { EmergencyView } from "../../../../shared/schemas/schedule";
import { useI18n, type Message } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { EmergencyReviewPanel } from "../review/EmergencyReviewPanel";
import { EmergencyReachSummary } from "../shell/EmergencyReachPanel";
import { useDistricts } from "../shell/useDistricts";
import { ConfirmGroup } from "../ui/ConfirmGroup";
import { DataTable } from "../ui/DataTable";
import { DistrictChecklist } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail, type Fail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useFormSubmit } from "../ui/useFormSubmit";
import { useLoader } from "../ui/useLoader";
import { useNotice } from "../ui/useNotice";
import {
  clearEmergency,
  fetchEmergencies,
  sendEmergency,
  type EmergencyInput,
} from "./schedulesApi";

/** How often the active list is fetched again (a notice may end by itself). */
const REFRESH_MS = 10_000;

/**
 * Emergency notices: compose one (title, text, districts, optional end), preview it as the
 * screens will show it, send it (it overrides every schedule in those districts at once),
 * list the active ones and clear them.
 */
export function EmergenciesPage() {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [clearing, setClearing] = useState<EmergencyView | null>(null);
  const [clearError, setClearError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const notices = useNotice();
  const { announce } = notices;

  const fail = useFail();
  const list = useLoader(fetchEmergencies, fail, {
    refreshMs: REFRESH_MS,
    live: ["emergencies", "takedowns"],
  });
  const { data: active, error: loadError, reload: load } = list;

  const { districts } = useDistricts((err) => fail(err, list.setError));

  const label = (id: string) => districtLabel(districts, id, language);
  const time = (iso: string | undefined) =>
    iso === undefined ? t("emergency.untilCleared") : new Date(iso).toLocaleString(language);

  const clear = async (e: EmergencyView): Promise<void> => {
    setClearError(null);
    setBusy(true);
    try {
      await clearEmergency(e.id);
      setClearing(null);
      announce((tr) => tr("emergency.cleared", { title: e.title }));
      await load();
    } catch (err) {
      fail(err, setClearError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("emergency.title")}
      </h1>
      <p>{t("emergency.intro")}</p>
      <ComposeForm
        districts={districts}
        districtLabel={label}
        fail={fail}
        onSent={(e) => {
          announce((tr) =>
            e.reviewState === "awaiting_approval"
              ? tr("emergencyCompose.asked", { title: e.title })
              : tr("emergency.sent", {
                  title: e.title,
                  districts: e.districtIds.map(label).join(", "),
                }),
          );
          void load();
        }}
      />
      <StatusNotice notices={notices} />
      <h2>{t("emergency.active", { count: active?.length ?? 0 })}</h2>
      {loadError !== null && <p className="error">{loadError}</p>}
      <FormAlert message={clearError} />
      {active === null ? (
        <p>{t("common.loading")}</p>
      ) : active.length === 0 ? (
        <p>{t("emergency.none")}</p>
      ) : (
        <DataTable
          caption={t("emergency.active", { count: active.length })}
          columns={[
            t("emergency.titleField"),
            t("emergency.districts"),
            t("emergency.started"),
            t("emergency.ends"),
            t("emergencyState.column"),
            t("emergencyReach.column"),
            t("common.actions"),
          ]}
        >
          {active.map((e) => (
            <tr key={e.id} aria-current={e.id === clearing?.id ? "true" : undefined}>
              <th scope="row">
                {e.title}
                {e.body !== "" && <small className="muted block">{e.body}</small>}
              </th>
              <td>{e.districtIds.map(label).join(", ")}</td>
              <td className="nowrap">{time(e.startsAt)}</td>
              <td className="nowrap">{time(e.endsAt)}</td>
              <td>{t(`emergencyState.${e.reviewState}`)}</td>
              <td>
                <EmergencyReachSummary notice={e} />
              </td>
              <td>
                {clearing?.id === e.id ? (
                  <ConfirmGroup
                    label={t("emergency.clearConfirmLabel")}
                    question={t("emergency.clearConfirm", { title: e.title })}
                    yes={t("emergency.clearYes")}
                    no={t("common.cancel")}
                    busy={busy}
                    small
                    onYes={() => void clear(e)}
                    onNo={() => setClearing(null)}
                  />
                ) : (
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={t("emergency.clearNamed", { title: e.title })}
                    onClick={() => setClearing(e)}
                  >
                    {t("emergency.clear")}
                  </button>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <EmergencyReviewPanel onChanged={() => void load()} />
    </main>
  );
}

/** "YYYY-MM-DDTHH:MM" of a datetime-local input as an ISO instant (the browser's zone), or null. */
function instantOfLocal(value: string): string | null {
  const at = new Date(value);
  return Number.isNaN(at.getTime()) ? null : at.toISOString();
}

/** The districts of `ids` whose emergencies need approval first (their own or inherited setting). */
function twoPersonOf(districts: readonly District[], ids: readonly string[]): string[] {
  const byId = new Map(districts.map((d) => [d.id, d]));
  // A district's own setting as saved and as in effect until a change of it is approved: the
  // stricter of the two applies (as the server decides).
  const own = (d: District) => [d.emergencyApproval, d.settingsReview.inEffect.emergencyApproval];
  const inherited = (id: string): boolean => {
    for (
      let d = byId.get(id), depth = 0;
      d && depth < 16;
      d = byId.get(d.parentId ?? ""), depth++
    ) {
      if (own(d).includes("two-person")) return true;
      if (!own(d).includes(null)) return false;
    }
    return false;
  };
  // A notice also reaches every district below its own: one of them asking for two people
  // holds it.
  const below = (id: string, depth = 0): boolean =>
    depth < 16 &&
    districts.some(
      (d) => d.parentId === id && (own(d).includes("two-person") || below(d.id, depth + 1)),
    );
  return ids.filter((id) => inherited(id) || below(id));
}

/** The personal data found in a notice's title and text, worded in the console's language. */
function personalDataMessage(title: string, body: string): Message | null {
  const found = [
    ...findPersonalData(title).map((f) => ({ f, inTitle: true })),
    ...findPersonalData(body).map((f) => ({ f, inTitle: false })),
  ];
  if (found.length === 0) return null;
  return (tr) =>
    tr("emergencyCompose.personalData", {
      what: found
        .map(({ f, inTitle }) => {
          const finding = tr(`personalData.${f.code}`, { start: f.start + 1, end: f.end });
          return inTitle
            ? tr("emergencyCompose.inTitle", { finding })
            : tr("emergencyCompose.inBody", { finding });
        })
        .join("; "),
    });
}

/**
 * Compose, preview, then send: nothing leaves before the preview has been seen. Text holding
 * personal data is refused before the preview (the server refuses it too); for districts that
 * require two people, sending asks for approval instead.
 */
function ComposeForm({
  districts,
  districtLabel,
  fail,
  onSent,
}: {
  districts: readonly District[];
  districtLabel: (id: string) => string;
  fail: Fail;
  onSent: (e: EmergencyView) => void;
}) {
  const { t, language } = useI18n();
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [districtIds, setDistrictIds] = useState<string[]>([]);
  const [endsAt, setEndsAt] = useState("");
  const [previewing, setPreviewing] = useState<EmergencyInput | null>(null);
  const {
    error,
    busy,
    setError,
    send: sendForm,
  } = useFormSubmit<"title" | "body" | "districts" | "endsAt">(fail);
  const previewHeading = useRef<HTMLHeadingElement>(null);
  const held = previewing ? twoPersonOf(districts, previewing.districtIds) : [];

  useEffect(() => {
    if (previewing) previewHeading.current?.focus();
  }, [previewing]);

  const preview = (e: FormEvent): void => {
    e.preventDefault();
    setError(null);
    if (title.trim() === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("emergency.titleField") }),
        field: "title",
      });
    if (districtIds.length === 0)
      return setError({ text: (tr) => tr("entries.pickDistrict"), field: "districts" });
    const personal = personalDataMessage(title, body);
    if (personal !== null)
      return setError({
        text: personal,
        field: findPersonalData(title).length > 0 ? "title" : "body",
      });
    let ends: string | null = null;
    if (endsAt !== "") {
      ends = instantOfLocal(endsAt);
      if (ends === null || Date.parse(ends) <= Date.now())
        return setError({ text: (tr) => tr("emergency.endInPast"), field: "endsAt" });
    }
    setPreviewing({ title, body, districtIds, ...(ends !== null ? { endsAt: ends } : {}) });
  };

  const send = async (): Promise<void> => {
    if (!previewing) return;
    setError(null);
    await sendForm(async () => {
      const sent = await sendEmergency(previewing);
      setPreviewing(null);
      setTitle("");
      setBody("");
      setEndsAt("");
      setDistrictIds([]);
      onSent(sent);
    });
  };

  return (
    <>
      <form className="panel-form" onSubmit={preview} noValidate aria-labelledby="compose-heading">
        <h2 id="compose-heading">{t("emergency.compose")}</h2>
        <FormAlert message={previewing ? null : (error?.text(t) ?? null)} />
        <Field
          label={t("emergency.titleField")}
          value={title}
          maxLength={120}
          disabled={previewing !== null}
          invalid={error?.field === "title"}
          onChange={(e) => setTitle(e.target.value)}
        />
        <label>
          {t("emergency.body")}
          <textarea
            value={body}
            rows={3}
            maxLength={2000}
            disabled={previewing !== null}
            aria-invalid={error?.field === "body" || undefined}
            onChange={(e) => setBody(e.target.value)}
          />
        </label>
        <DistrictChecklist
          legend={t("emergency.districts")}
          districts={districts}
          districtLabel={districtLabel}
          value={districtIds}
          onChange={setDistrictIds}
          invalid={error?.field === "districts"}
          disabled={previewing !== null}
        />
        <Field
          label={t("emergency.endsAt")}
          hint={t("emergency.endsAtHint")}
          type="datetime-local"
          value={endsAt}
          disabled={previewing !== null}
          invalid={error?.field === "endsAt"}
          onChange={(e) => setEndsAt(e.target.value)}
        />
        {previewing === null && <button type="submit">{t("emergency.preview")}</button>}
      </form>
      {previewing && (
        <section className="panel emergency-preview" aria-labelledby="emergency-preview-heading">
          <h2 id="emergency-preview-heading" ref={previewHeading} tabIndex={-1}>
            {t("emergency.previewTitle")}
          </h2>
          <div className="emergency-screen" data-testid="emergency-preview">
            <p className="emergency-screen-title">{previewing.title}</p>
            {previewing.body !== "" && <p className="emergency-screen-body">{previewing.body}</p>}
          </div>
          <p data-testid="emergency-preview-where">
            {held.length > 0
              ? t("emergencyCompose.twoPerson", { districts: held.map(districtLabel).join(", ") })
              : t("emergency.previewWhere", {
                  districts: previewing.districtIds.map(districtLabel).join(", "),
                })}
            {language === "zh-CN" ? "" : " "}
            {previewing.endsAt
              ? t("emergency.previewEnds", {
                  time: new Date(previewing.endsAt).toLocaleString(language),
                })
              : t("emergency.previewNoEnd")}
          </p>
          {held.length === 0 && <p>{t("emergencyCompose.reviewAfter")}</p>}
          <FormAlert message={error?.text(t) ?? null} />
          <div className="toolbar">
            <button type="button" className="danger" disabled={busy} onClick={() => void send()}>
              {busy
                ? t("emergency.sending")
                : held.length > 0
                  ? t("emergencyCompose.ask")
                  : t("emergency.send")}
            </button>
            <button type="button" className="secondary" onClick={() => setPreviewing(null)}>
              {t("emergency.edit")}
            </button>
          </div>
        </section>
      )}
    </>
  );
}
