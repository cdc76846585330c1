import { useState, type FormEvent } from "react";
import type { Language } from "../../../shared/schemas/announcement";
import { DistrictIdSchema, type District } from "../../../shared/schemas/district";
import { DEFAULT_TIME_ZONE } from "../../../shared/schemas/schedule";
import { DistrictSelect } from "./DistrictPickers";
import { Field } from "./Field";
import { languageNames, useI18n, type Message } from "./i18n";
import { PanelForm } from "./PanelForm";
import { createDistrict } from "./schedulesApi";
import { SelectField } from "./SelectField";

/** Creates a district under a parent, or a city (admins only; the server checks the scope). */
export function DistrictForm({
  districts,
  districtLabel,
  fail,
  onCreated,
}: {
  districts: readonly District[];
  districtLabel: (id: string) => string;
  fail: (err: unknown, show: (text: string) => void) => void;
  onCreated: (district: District) => void;
}) {
  const { t } = useI18n();
  const [id, setId] = useState("");
  const [parentId, setParentId] = useState("");
  const [nameZh, setNameZh] = useState("");
  const [nameEn, setNameEn] = useState("");
  const [timeZone, setTimeZone] = useState(DEFAULT_TIME_ZONE);
  const [language, setLanguage] = useState<Language>("zh-CN");
  const [error, setError] = useState<{ text: Message; field?: "id" | "nameZh" | "nameEn" } | null>(
    null,
  );
  const [busy, setBusy] = useState(false);

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
    setBusy(true);
    try {
      const district = await createDistrict({
        id: id.trim(),
        parentId: parentId === "" ? null : parentId,
        nameZh,
        nameEn,
        timeZone,
        language,
        contestText: "",
        contestUrl: null,
      });
      setId("");
      setNameZh("");
      setNameEn("");
      onCreated(district);
    } catch (err) {
      fail(err, (text) => setError({ text: () => text }));
    } finally {
      setBusy(false);
    }
  };

  return (
    <PanelForm
      headingId="district-heading"
      title={t("district.new")}
      intro={t("district.intro")}
      error={error?.text(t) ?? null}
      onSubmit={(e) => void submit(e)}
    >
      <div className="row">
        <Field
          label={t("district.id")}
          hint={t("district.idHint")}
          value={id}
          maxLength={64}
          autoComplete="off"
          spellCheck={false}
          invalid={error?.field === "id"}
          onChange={(e) => setId(e.target.value)}
        />
        <DistrictSelect
          label={t("district.parent")}
          districts={districts}
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
      <button type="submit" disabled={busy}>
        {busy ? t("district.creating") : t("district.create")}
      </button>
    </PanelForm>
  );
}
