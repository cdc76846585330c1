import { useId } from "react";
import type { District } from "../../../../shared/schemas/district";
import { useI18n } from "../lib/i18n";

/** A labelled select of one district; `emptyLabel` names the "none chosen" choice. */
export function DistrictSelect({
  label,
  districts,
  districtLabel,
  value,
  onChange,
  emptyLabel,
  invalid = false,
}: {
  label: string;
  districts: readonly District[];
  districtLabel: (id: string) => string;
  value: string;
  onChange: (id: string) => void;
  emptyLabel: string;
  invalid?: boolean;
}) {
  const id = useId();
  return (
    <div className="field">
      <label htmlFor={id}>{label}</label>
      <select
        id={id}
        value={value}
        onChange={(e) => onChange(e.target.value)}
        aria-invalid={invalid || undefined}
      >
        <option value="">{emptyLabel}</option>
        {districts.map((d) => (
          <option key={d.id} value={d.id}>
            {districtLabel(d.id)}
          </option>
        ))}
      </select>
    </div>
  );
}

/** A fieldset of checkboxes, one per district, for "shown in these districts". */
export function DistrictChecklist({
  legend,
  districts,
  districtLabel,
  value,
  onChange,
  invalid = false,
  disabled = false,
}: {
  legend: string;
  districts: readonly District[];
  districtLabel: (id: string) => string;
  value: readonly string[];
  onChange: (ids: string[]) => void;
  invalid?: boolean;
  disabled?: boolean;
}) {
  const { t } = useI18n();
  return (
    <fieldset className="checklist" disabled={disabled} aria-invalid={invalid || undefined}>
      <legend>{legend}</legend>
      {districts.length === 0 && <p className="hint">{t("entries.noDistricts")}</p>}
      {districts.map((d) => (
        <label key={d.id} className="check">
          <input
            type="checkbox"
            checked={value.includes(d.id)}
            onChange={(e) =>
              onChange(e.target.checked ? [...value, d.id] : value.filter((id) => id !== d.id))
            }
          />
          {districtLabel(d.id)}
        </label>
      ))}
    </fieldset>
  );
}
