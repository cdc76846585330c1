import { useState, type FormEvent } from "react";
import type { District } from "../../../../shared/schemas/district";
import {
  EntryKindSchema,
  SexSchema,
  type EntryKind,
  type Sex,
} from "../../../../shared/schemas/entry";
import type { EntryView } from "../../../../shared/schemas/entryView";
import { useI18n, type PlainMessageKey } from "../lib/i18n";
import { DistrictChecklist } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { PanelForm } from "../ui/PanelForm";
import { SelectField } from "../ui/SelectField";
import { useFormSubmit } from "../ui/useFormSubmit";
import { createEntry } from "./entriesApi";
import {
  kindKeys,
  MAX_PHOTO_MB,
  photoFormatList,
  photoFormats,
  photoProblem,
  sexKeys,
} from "./entryLabels";

type TextField =
  | "fullName"
  | "idNumber"
  | "caseNumber"
  | "court"
  | "obligation"
  | "amount"
  | "performance"
  | "listingGround"
  | "legalBasisNumber"
  | "legalBasisIssuer"
  | "listingDate"
  | "expiryDate";

const empty: Record<TextField, string> = {
  fullName: "",
  idNumber: "",
  caseNumber: "",
  court: "",
  obligation: "",
  amount: "",
  performance: "",
  listingGround: "",
  legalBasisNumber: "",
  legalBasisIssuer: "",
  listingDate: "",
  expiryDate: "",
};

// The fields the console checks itself; the server checks everything and says what is wrong.
const required: readonly [TextField, PlainMessageKey][] = [
  ["fullName", "entries.fullName"],
  ["caseNumber", "entries.caseNumber"],
  ["court", "entries.court"],
  ["listingDate", "entries.listingDate"],
  ["expiryDate", "entries.expiryDate"],
];

/** Yuan as typed ("12,345.6") in fen, or null when it is not an amount. */
function yuanToFen(text: string): number | null {
  const plain = text.replace(/[,\s，]/g, "");
  if (!/^\d+(\.\d{1,2})?$/.test(plain)) return null;
  return Math.round(Number(plain) * 100);
}

/** Creates one person entry, with a photo when chosen (redacted on the server). */
export function EntryForm({
  districts,
  districtLabel,
  fail,
  onCreated,
}: {
  districts: readonly District[];
  districtLabel: (id: string) => string;
  fail: (err: unknown, show: (text: string) => void) => void;
  onCreated: (entry: EntryView) => void;
}) {
  const { t, language } = useI18n();
  const [values, setValues] = useState(empty);
  const [kind, setKind] = useState<EntryKind>("discredited");
  const [sex, setSex] = useState<Sex>("unknown");
  const [districtIds, setDistrictIds] = useState<string[]>([]);
  const [photo, setPhoto] = useState<File | null>(null);
  const [photoKey, setPhotoKey] = useState(0);
  const { error, busy, setError, send } = useFormSubmit<TextField | "districts" | "photo">(fail);

  const field = (name: TextField, label: PlainMessageKey, more: object = {}) => (
    <Field
      label={t(label)}
      value={values[name]}
      onChange={(e) => setValues((v) => ({ ...v, [name]: e.target.value }))}
      invalid={error?.field === name}
      {...more}
    />
  );

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    const missing = required.find(([name]) => values[name].trim() === "");
    if (missing) {
      setError({
        text: (tr) => tr("error.required", { field: tr(missing[1]) }),
        field: missing[0],
      });
      return;
    }
    const amountMinor = values.amount.trim() === "" ? undefined : yuanToFen(values.amount);
    if (amountMinor === null) {
      setError({ text: (tr) => tr("entries.badAmount"), field: "amount" });
      return;
    }
    if (districtIds.length === 0) {
      setError({ text: (tr) => tr("entries.pickDistrict"), field: "districts" });
      return;
    }
    // Said here, in the console's language, rather than after the upload.
    const problem = photo ? photoProblem(photo) : null;
    if (problem !== null) {
      setError({
        text: (tr) =>
          problem === "heic"
            ? tr("entries.photoHeic")
            : problem === "type"
              ? tr("entries.photoType", { formats: photoFormatList(language) })
              : tr("entries.photoTooBig", { mb: MAX_PHOTO_MB }),
        field: "photo",
      });
      return;
    }
    await send(async () => {
      const entry = await createEntry(
        {
          kind,
          subjectType: "person",
          fullName: values.fullName,
          ...(values.idNumber.trim() !== "" ? { idNumber: values.idNumber } : {}),
          sex,
          caseNumber: values.caseNumber,
          court: values.court,
          obligation: values.obligation,
          ...(amountMinor !== undefined ? { amountMinor } : {}),
          currency: "CNY",
          performance: values.performance,
          listingGround: values.listingGround,
          legalBasisNumber: values.legalBasisNumber,
          legalBasisIssuer: values.legalBasisIssuer,
          listingDate: values.listingDate,
          expiryDate: values.expiryDate,
          districtIds,
        },
        photo,
      );
      setValues(empty);
      setPhoto(null);
      // A file input cannot be cleared by state; a new key gives an empty one.
      setPhotoKey((k) => k + 1);
      onCreated(entry);
    });
  };

  return (
    <PanelForm
      headingId="new-entry-heading"
      title={t("entries.newTitle")}
      error={error?.text(t) ?? null}
      onSubmit={(e) => void submit(e)}
    >
      <div className="row">
        <SelectField
          label={t("entries.kind")}
          value={kind}
          onChange={setKind}
          options={EntryKindSchema.options.map((k) => [k, t(kindKeys[k])] as const)}
        />
        {field("fullName", "entries.fullName", {
          hint: t("entries.fullNameHint"),
          maxLength: 100,
          autoComplete: "off",
        })}
      </div>
      <div className="row">
        {field("idNumber", "entries.idNumber", {
          hint: t("entries.idNumberHint"),
          maxLength: 32,
          autoComplete: "off",
        })}
        <SelectField
          label={t("entries.sex")}
          value={sex}
          onChange={setSex}
          options={SexSchema.options.map((s) => [s, t(sexKeys[s])] as const)}
        />
      </div>
      <div className="row">
        {field("caseNumber", "entries.caseNumber", { maxLength: 64 })}
        {field("court", "entries.court", { maxLength: 100 })}
      </div>
      <div className="row">
        {field("obligation", "entries.obligation", { maxLength: 500 })}
        {field("amount", "entries.amount", { inputMode: "decimal", maxLength: 20 })}
      </div>
      <div className="row">
        {field("performance", "entries.performance", { maxLength: 100 })}
        {field("listingGround", "entries.listingGround", { maxLength: 200 })}
      </div>
      <div className="row">
        {field("legalBasisNumber", "entries.legalBasisNumber", { maxLength: 100 })}
        {field("legalBasisIssuer", "entries.legalBasisIssuer", { maxLength: 100 })}
      </div>
      <div className="row">
        {field("listingDate", "entries.listingDate", { type: "date" })}
        {field("expiryDate", "entries.expiryDate", { type: "date" })}
      </div>
      <DistrictChecklist
        legend={t("entries.shownIn")}
        districts={districts}
        districtLabel={districtLabel}
        value={districtIds}
        onChange={setDistrictIds}
        invalid={error?.field === "districts"}
      />
      <Field
        key={photoKey}
        label={t("entries.photoFile")}
        hint={t("entries.photoHint", { formats: photoFormatList(language), mb: MAX_PHOTO_MB })}
        type="file"
        accept={photoFormats.map((f) => f.mime).join(",")}
        invalid={error?.field === "photo"}
        onChange={(e) => setPhoto(e.target.files?.[0] ?? null)}
      />
      <button type="submit" disabled={busy}>
        {busy ? t("entries.creating") : t("entries.create")}
      </button>
    </PanelForm>
  );
}
