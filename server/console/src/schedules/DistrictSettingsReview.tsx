import { useState } from "react";
import type { UserView } from "../../../../shared/schemas/account";
import type { District, EmergencyApproval } from "../../../../shared/schemas/district";
import { mayAnywhere } from "../lib/access";
import { useI18n, type Translate } from "../lib/i18n";
import { FormAlert } from "../ui/FormAlert";
import type { Fail } from "../ui/useFail";
import { approveDistrictSettings } from "./schedulesApi";

/** How a district's emergencies get their second person, in words. */
function emergencyWords(t: Translate, value: EmergencyApproval | null): string {
  if (value === "two-person") return t("district.emergencyTwoPerson");
  if (value === "review-after") return t("district.emergencyReviewAfter");
  return t("district.emergencyInherit");
}

/**
 * Where a district's contest line and emergency setting stand with their second person: what
 * applies meanwhile, what was saved, and for someone who may approve and did not save them, the
 * approval of the saved settings as shown. Nothing when nothing waits.
 */
export function DistrictSettingsReview({
  district,
  districtLabel,
  user,
  fail,
  onApproved,
}: {
  district: District;
  districtLabel: string;
  user: UserView;
  fail: Fail;
  onApproved: (d: District) => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const review = district.settingsReview;
  if (!review.pending) return null;

  const { contestText, contestUrl, contestContact, emergencyApproval } = district;
  const seen = { contestText, contestUrl, contestContact, emergencyApproval };
  const approve = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      onApproved(await approveDistrictSettings(district.id, seen));
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  };
  const inEffect = review.inEffect;
  const line =
    inEffect.contestText === "" && inEffect.contestContact === "" && inEffect.contestUrl === null
      ? t("district.settingsLineNone")
      : t("district.settingsLine", {
          text: [inEffect.contestText, inEffect.contestContact, inEffect.contestUrl ?? ""]
            .filter((s) => s !== "")
            .join(" "),
        });
  const mayApprove = mayAnywhere(user, "district.approve");
  const yours = review.changedBy.includes(user.id);
  return (
    <div className="notice" data-testid="district-settings-review">
      <p>
        {t("district.settingsPending", {
          district: districtLabel,
          line,
          emergency: emergencyWords(t, inEffect.emergencyApproval),
        })}
      </p>
      <p className="hint">
        {t("district.settingsSaved", {
          text: contestText,
          contact: contestContact,
          url: contestUrl ?? "",
          emergency: emergencyWords(t, emergencyApproval),
        })}
      </p>
      {mayApprove && yours && <p className="hint">{t("district.settingsYours")}</p>}
      {mayApprove && !yours && (
        <>
          <FormAlert message={error} />
          <button type="button" disabled={busy} onClick={() => void approve()}>
            {t("district.settingsApprove", { district: districtLabel })}
          </button>
        </>
      )}
    </div>
  );
}
