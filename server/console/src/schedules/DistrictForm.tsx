import { useState, type FormEvent } from "react";
import type { Language } from "../../../../shared/schemas/announcement";
import {
  DistrictIdSchema,
  type District,
  type EmergencyApproval,
} from "../../../../shared/schemas/district";
import { DEFAULT_TIME_ZONE } from "../../../../shared/schemas/schedule";
import { languageNames, useI18n } from "../lib/i18n";
import { DistrictSelect } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { PanelForm } from "../ui/PanelForm";
import { SelectField } from "../ui/SelectField";
import { useFormSubmit } from "../ui/useFormSubmit";
import { createDistrict, updateDistrict } from "./schedulesApi";

/**
 * Creates a district under a parent, or a city; or, given `editing`, changes one: names, time
 * zone, language, its contest line and how its emergency notices get a second person (admins
 * only; the server checks the scope).
 */
export function DistrictForm({
  districts,
  districtLabel,
  fail,
  onCreated,
  editing,
}: {
  districts: readonly District[];
  districtLabel: (id: string) => string;
  fail: (err: unknown, show: (text: string) => void) => void;
  /** Called with the district created or saved. */
  onCreated: (district: District) => void;
  /** The district to edit; a new one when absent. */
  editing?: District;
}) {
  const { t } = useI18n();
  const [id, setId] = useState(editing?.id ?? "");
  const [parentId, setParentId] = useState(editing?.parentId ?? "");
  const [nameZh, setNameZh] = useState(editing?.nameZh ?? "");
  const [nameEn, setNameEn] = useState(editing?.nameEn ?? "");
  const [timeZone, setTimeZone] = useState(editing?.timeZone ?? DEFAULT_TIME_ZONE);
  const [language, setLanguage] = useState<Language>(editing?.language ?? "zh-CN");
  const [contestText, setContestText] = useState(editing?.contestText ?? "");
  const [contestContact, setContestContact] = useState(editing?.contestContact ?? "");
  const [contestUrl, setContestUrl] = useState(editing?.contestUrl ?? "");
  const [approval, setApproval] = useState<EmergencyApproval | "inherit">(
    editing?.emergencyApproval ?? "inherit",
  );
  const [offlineMinutes, setOfflineMinutes] = useState(
    editing?.alertOfflineMinutes == null ? "" : String(editing.alertOfflineMinutes),
  );
  const { error, busy, setError, send } = useFormSubmit<
    "id" | "nameZh" | "nameEn" | "contestUrl" | "offlineMinutes"
  >(fail);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    if (!DistrictIdSchema.safeParse(id).success)
      return setError({ text: (tr) => tr("district.badId"), field: "id" });
    if (nameZh.trim() === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("district.nameZh") }),
        field: "nameZh",
      });
    if (nameEn.trim() === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("district.nameEn") }),
        field: "nameEn",
      });
    const url = contestUrl.trim();
    if (url !== "" && !/^https?:\/\/\S+$/.test(url))
      return setError({ text: (tr) => tr("district.badUrl"), field: "contestUrl" });
    const minutes = offlineMinutes.trim() === "" ? null : Number(offlineMinutes);
    if (minutes !== null && (!Number.isInteger(minutes) || minutes < 1 || minutes > 10_080))
      return setError({
        text: (tr) => tr("alerts.offlineMinutesInvalid"),
        field: "offlineMinutes",
      });
    await send(async () => {
      const input = {
        id: id.trim(),
        parentId: parentId === "" ? null : parentId,
        nameZh,
        nameEn,
        timeZone,
        language,
        contestText,
        contestUrl: url === "" ? null : url,
        contestContact,
        emergencyApproval: approval === "inherit" ? null : approval,
        alertOfflineMinutes: minutes,
      };
      const district = editing
        ? await updateDistrict(editing.id, input)
        : await createDistrict(input);
      if (!editing) {
        setId("");
        setNameZh("");
        setNameEn("");
        setContestText("");
        setContestContact("");
        setContestUrl("");
        setApproval("inherit");
        setOfflineMinutes("");
      }
      onCreated(district);
    });
  };

  return (
    <PanelForm
      headingId={editing ? "district-edit-heading" : "district-heading"}
      title={editing ? t("district.editTitle", { id: editing.id }) : t("district.new")}
      intro={t("district.intro")}
      error={error?.text(t) ?? null}
      onSubmit={(e) => void submit(e)}
    >
      <div className="row">
        <Field
          label={t("district.id")}
          hint={t("district.idHint")}
          value={id}
          readOnly={editing !== undefined}
          maxLength={64}
          autoComplete="off"
          spellCheck={false}
          invalid={error?.field === "id"}
          onChange={(e) => setId(e.target.value)}
        />
        <DistrictSelect
          label={t("district.parent")}
          districts={editing ? districts.filter((d) => d.id !== editing.id) : districts}
          districtLabel={districtLabel}
          value={parentId}
          onChange={setParentId}
          emptyLabel={t("district.noParent")}
        />
      </div>
      <div className="row">
        <Field
          label={t("district.nameZh")}
          value={nameZh}
          maxLength={60}
          invalid={error?.field === "nameZh"}
          onChange={(e) => setNameZh(e.target.value)}
        />
        <Field
          label={t("district.nameEn")}
          value={nameEn}
          maxLength={80}
          invalid={error?.field === "nameEn"}
          onChange={(e) => setNameEn(e.target.value)}
        />
      </div>
      <div className="row">
        <Field
          label={t("district.timeZone")}
          hint={t("district.timeZoneHint")}
          value={timeZone}
          maxLength={64}
          onChange={(e) => setTimeZone(e.target.value)}
        />
        <SelectField<Language>
          label={t("district.language")}
          value={language}
          onChange={setLanguage}
          options={[
            ["zh-CN", languageNames["zh-CN"]],
            ["en", languageNames.en],
          ]}
        />
      </div>
      <Field
        label={t("district.contestText")}
        hint={t("district.contestHint")}
        value={contestText}
        maxLength={300}
        onChange={(e) => setContestText(e.target.value)}
      />
      <div className="row">
        <Field
          label={t("district.contestContact")}
          value={contestContact}
          maxLength={200}
          onChange={(e) => setContestContact(e.target.value)}
        />
        <Field
          label={t("district.contestUrl")}
          type="url"
          inputMode="url"
          value={contestUrl}
          maxLength={500}
          spellCheck={false}
          invalid={error?.field === "contestUrl"}
          onChange={(e) => setContestUrl(e.target.value)}
        />
      </div>
      <SelectField<EmergencyApproval | "inherit">
        label={t("district.emergencyApproval")}
        value={approval}
        onChange={setApproval}
        options={[
          ["inherit", t("district.emergencyInherit")],
          ["review-after", t("district.emergencyReviewAfter")],
          ["two-person", t("district.emergencyTwoPerson")],
        ]}
      />
      <Field
        label={t("alerts.offlineMinutes")}
        hint={t("alerts.offlineMinutesHint")}
        type="number"
        min={1}
        max={10_080}
        value={offlineMinutes}
        invalid={error?.field === "offlineMinutes"}
        onChange={(e) => setOfflineMinutes(e.target.value)}
      />
      <button type="submit" disabled={busy}>
        {editing
          ? busy
            ? t("district.saving")
            : t("district.save")
          : busy
            ? t("district.creating")
            : t("district.create")}
      </button>
    </PanelForm>
  );
}
