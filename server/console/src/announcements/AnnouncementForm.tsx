import { useEffect, useId, useState, type FormEvent } from "react";
import { may } from "../../../../shared/access/permissions";
import type {
  AnnouncementView,
  Language,
  PosterLayout,
} from "../../../../shared/schemas/announcement";
import type { District } from "../../../../shared/schemas/district";
import { mayCitywide } from "../lib/access";
import { useI18n } from "../lib/i18n";
import { useSession } from "../shell/SessionContext";
import { DistrictChecklist } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { PanelForm } from "../ui/PanelForm";
import { SelectField } from "../ui/SelectField";
import type { Fail } from "../ui/useFail";
import { useFormSubmit } from "../ui/useFormSubmit";
import { AnnouncementPreview } from "./AnnouncementPreview";
import {
  instantOfLocal,
  layoutKeys,
  localOfInstant,
  posterText,
  screenTagsOf,
  splitWords,
} from "./announcementLabels";
import {
  createAnnouncement,
  editAnnouncement,
  fetchAnnouncement,
  posterUrl,
  removePoster,
  submitAnnouncement,
  uploadPoster,
} from "./announcementsApi";

/** The fields a refusal can point at. */
type FormField = "title" | "districts" | "screenTags" | "startsAt" | "endsAt" | "poster";

/** How a save ended, for the page's notice. */
export type SaveOutcome = "draft" | "submitted" | "saved";

/** The image types a poster may be (the server checks the content, not the name). */
const POSTER_TYPES = "image/jpeg,image/png,image/webp";

/**
 * Creates an announcement, or edits one (`editing`): text, language, content tags, where it
 * plays (the whole city, or the user's districts, and screen tags within), when, and a poster
 * with its layout; a live preview shows it as a landscape and a portrait screen will. Saves a
 * draft, or saves and sends it to review.
 */
export function AnnouncementForm({
  editing,
  districts,
  districtLabel,
  fail,
  onSaved,
  onCancel,
}: {
  editing: AnnouncementView | null;
  districts: readonly District[];
  districtLabel: (id: string) => string;
  fail: Fail;
  onSaved: (a: AnnouncementView, outcome: SaveOutcome) => void;
  onCancel: () => void;
}) {
  const { user } = useSession();
  const { t } = useI18n();
  const citywide = mayCitywide(user, "announcement.edit");
  // A district operator targets only the districts they hold.
  const ownDistricts = districts.filter((d) => may(user.roles, "announcement.edit", [d.id]));
  // The announcement as saved so far: a create that failed half-way (the poster) goes on as an edit.
  const [saved, setSaved] = useState<AnnouncementView | null>(editing);
  const [title, setTitle] = useState(editing?.title ?? "");
  const [body, setBody] = useState(editing?.body ?? "");
  const [language, setLanguage] = useState<Language>(editing?.language ?? "zh-CN");
  const [tags, setTags] = useState(editing?.tags.join(", ") ?? "");
  const [wholeCity, setWholeCity] = useState(
    editing ? editing.target.districtIds.length === 0 : citywide,
  );
  const [districtIds, setDistrictIds] = useState<string[]>(editing?.target.districtIds ?? []);
  const [screenTags, setScreenTags] = useState(editing?.target.screenTags.join(", ") ?? "");
  const [startsAt, setStartsAt] = useState(localOfInstant(editing?.startsAt ?? null));
  const [endsAt, setEndsAt] = useState(localOfInstant(editing?.endsAt ?? null));
  const [layout, setLayout] = useState<PosterLayout>(editing?.posterLayout ?? "beside");
  const [poster, setPoster] = useState<File | null>(null);
  const [posterKey, setPosterKey] = useState(0);
  const [dropPoster, setDropPoster] = useState(false);
  const [localPoster, setLocalPoster] = useState<string | null>(null);
  const { error, busy, setError, send } = useFormSubmit<FormField>(fail);
  const cityChoice = useId();

  // The chosen file, shown in the preview from this browser (it has not been redacted yet).
  useEffect(() => {
    if (poster === null) return setLocalPoster(null);
    const url = URL.createObjectURL(poster);
    setLocalPoster(url);
    return () => URL.revokeObjectURL(url);
  }, [poster]);

  const hasSavedPoster = saved !== null && saved.poster.status !== "none" && !dropPoster;
  const posterSrc =
    localPoster ?? (hasSavedPoster && saved.poster.hash !== null ? posterUrl(saved) : null);
  const state = saved?.state ?? "draft";
  const canSubmit = state === "draft";

  const save = async (submit: boolean): Promise<void> => {
    setError(null);
    if (title.trim() === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("ann.titleField") }),
        field: "title",
      });
    if (!wholeCity && districtIds.length === 0)
      return setError({ text: (tr) => tr("ann.pickDistrict"), field: "districts" });
    const tagList = screenTagsOf(screenTags);
    if (tagList === null)
      return setError({ text: (tr) => tr("ann.badScreenTag"), field: "screenTags" });
    const from = startsAt === "" ? null : instantOfLocal(startsAt);
    if (startsAt !== "" && from === null)
      return setError({ text: (tr) => tr("ann.badTime"), field: "startsAt" });
    const until = endsAt === "" ? null : instantOfLocal(endsAt);
    if (endsAt !== "" && (until === null || Date.parse(until) <= Date.now()))
      return setError({ text: (tr) => tr("ann.endInPast"), field: "endsAt" });
    if (from !== null && until !== null && Date.parse(until) <= Date.parse(from))
      return setError({ text: (tr) => tr("ann.endBeforeStart"), field: "endsAt" });

    const fields = {
      title,
      body,
      language,
      tags: splitWords(tags),
      target: { districtIds: wholeCity ? [] : districtIds, screenTags: tagList },
      startsAt: from,
      endsAt: until,
      posterLayout: layout,
    };
    await send(async () => {
      let a: AnnouncementView;
      if (saved === null) {
        // With a poster to upload, the announcement goes to review only once the poster is in.
        a = await createAnnouncement({ ...fields, submit: submit && poster === null });
        setSaved(a);
      } else {
        a = await editAnnouncement(saved.id, { revision: saved.revision, ...fields });
        setSaved(a);
      }
      if (dropPoster && poster === null && a.poster.status !== "none") {
        a = await removePoster(a.id);
        setSaved(a);
        setDropPoster(false);
      }
      if (poster !== null) {
        a = await uploadPoster(a.id, poster);
        setSaved(a);
        setPoster(null);
        // A file input cannot be cleared by state; a new key gives an empty one.
        setPosterKey((k) => k + 1);
      }
      if (submit && a.state === "draft") a = await submitAnnouncement(a.id, a.revision);
      onSaved(a, submit ? "submitted" : editing === null ? "draft" : "saved");
    });
  };

  const submitForm = (e: FormEvent): void => {
    e.preventDefault();
    // Enter in a field saves as the first button does: a draft, or the edit.
    void save(false);
  };

  const refresh = async (): Promise<void> => {
    if (saved === null) return;
    try {
      setSaved(await fetchAnnouncement(saved.id));
    } catch (err) {
      fail(err, (text) => setError({ text: () => text }));
    }
  };

  return (
    <PanelForm
      headingId="announcement-form-heading"
      title={editing === null ? t("ann.newTitle") : t("ann.editTitle", { title: editing.title })}
      {...(state === "published" ? { intro: t("ann.editPublishedNote") } : {})}
      error={error?.text(t) ?? null}
      onSubmit={submitForm}
    >
      <Field
        label={t("ann.titleField")}
        value={title}
        maxLength={120}
        invalid={error?.field === "title"}
        onChange={(e) => setTitle(e.target.value)}
      />
      <label>
        {t("ann.body")}
        <textarea
          value={body}
          rows={4}
          maxLength={2000}
          onChange={(e) => setBody(e.target.value)}
        />
      </label>
      <div className="row">
        <SelectField
          label={t("ann.language")}
          value={language}
          onChange={setLanguage}
          options={[
            ["zh-CN", "简体中文"],
            ["en", "English"],
          ]}
        />
        <Field
          label={t("ann.tags")}
          hint={t("ann.tagsHint")}
          value={tags}
          maxLength={400}
          onChange={(e) => setTags(e.target.value)}
        />
      </div>
      <fieldset className="checklist">
        <legend>{t("ann.where")}</legend>
        {citywide && (
          <>
            <label className="check">
              <input
                type="radio"
                name={cityChoice}
                checked={wholeCity}
                onChange={() => setWholeCity(true)}
              />
              {t("ann.wholeCity")}
            </label>
            <label className="check">
              <input
                type="radio"
                name={cityChoice}
                checked={!wholeCity}
                onChange={() => setWholeCity(false)}
              />
              {t("ann.someDistricts")}
            </label>
          </>
        )}
        {!wholeCity && (
          <DistrictChecklist
            legend={t("ann.districts")}
            districts={ownDistricts}
            districtLabel={districtLabel}
            value={districtIds}
            onChange={setDistrictIds}
            invalid={error?.field === "districts"}
          />
        )}
        <Field
          label={t("ann.screenTags")}
          hint={t("ann.screenTagsHint")}
          value={screenTags}
          maxLength={700}
          invalid={error?.field === "screenTags"}
          onChange={(e) => setScreenTags(e.target.value)}
        />
      </fieldset>
      <div className="row">
        <Field
          label={t("ann.startsAt")}
          hint={t("ann.startsAtHint")}
          type="datetime-local"
          value={startsAt}
          invalid={error?.field === "startsAt"}
          onChange={(e) => setStartsAt(e.target.value)}
        />
        <Field
          label={t("ann.endsAt")}
          hint={t("ann.endsAtHint")}
          type="datetime-local"
          value={endsAt}
          invalid={error?.field === "endsAt"}
          onChange={(e) => setEndsAt(e.target.value)}
        />
      </div>
      <fieldset className="checklist">
        <legend>{t("ann.posterLegend")}</legend>
        {saved !== null && saved.poster.status !== "none" && (
          <p>
            {t("ann.posterNow", { status: posterText(saved, t) })}{" "}
            <button type="button" className="secondary small" onClick={() => void refresh()}>
              {t("common.refresh")}
            </button>
          </p>
        )}
        <Field
          key={posterKey}
          label={
            saved !== null && saved.poster.status !== "none"
              ? t("ann.posterReplace")
              : t("ann.posterFile")
          }
          hint={t("ann.posterHint")}
          type="file"
          accept={POSTER_TYPES}
          invalid={error?.field === "poster"}
          onChange={(e) => setPoster(e.target.files?.[0] ?? null)}
        />
        {saved !== null && saved.poster.status !== "none" && poster === null && (
          <label className="check">
            <input
              type="checkbox"
              checked={dropPoster}
              onChange={(e) => setDropPoster(e.target.checked)}
            />
            {t("ann.posterRemove")}
          </label>
        )}
        <SelectField
          label={t("ann.layout")}
          value={layout}
          onChange={setLayout}
          options={(["beside", "full"] as const).map((l) => [l, t(layoutKeys[l])] as const)}
        />
      </fieldset>
      <h3>{t("ann.previewTitle")}</h3>
      {localPoster !== null && <p className="hint">{t("ann.previewLocalPoster")}</p>}
      <AnnouncementPreview
        label={t("ann.previewTitle")}
        content={{ title, body, language, layout, posterSrc }}
      />
      <div className="toolbar">
        <button type="submit" disabled={busy}>
          {busy
            ? t("common.saving")
            : state === "published"
              ? t("ann.saveToReview")
              : editing === null || state === "draft"
                ? t("ann.saveDraft")
                : t("ann.save")}
        </button>
        {canSubmit && (
          <button type="button" disabled={busy} onClick={() => void save(true)}>
            {t("ann.saveAndSubmit")}
          </button>
        )}
        <button type="button" className="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </PanelForm>
  );
}
