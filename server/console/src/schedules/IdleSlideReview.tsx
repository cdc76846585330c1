import { useState } from "react";
import type { UserView } from "../../../../shared/schemas/account";
import type { EffectiveSchedule } from "../../../../shared/schemas/schedule";
import { mayAnywhere } from "../lib/access";
import { useI18n } from "../lib/i18n";
import { FormAlert } from "../ui/FormAlert";
import type { Fail } from "../ui/useFail";
import { approveIdleSlide } from "./schedulesApi";

/**
 * Where a district's own idle slide stands with its second person: what the screens show
 * meanwhile, and for a moderator who did not change it, the approval of the saved text as shown.
 */
export function IdleSlideReview({
  districtId,
  effective,
  dirty,
  user,
  fail,
  onApproved,
}: {
  districtId: string;
  effective: EffectiveSchedule;
  /** The form holds unsaved changes: an approval holds for the saved text only. */
  dirty: boolean;
  user: UserView;
  fail: Fail;
  onApproved: (e: EffectiveSchedule) => void;
}) {
  const { t } = useI18n();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const review = effective.idleSlideReview;
  const saved = effective.schedule?.idleSlide;
  if (!review || !saved || effective.fromDistrictId !== districtId) return null;
  if (!review.pending)
    return (
      <p className="hint" data-testid="idle-review">
        {t("schedules.idleApproved")}
      </p>
    );

  const approve = async (): Promise<void> => {
    setBusy(true);
    setError(null);
    try {
      onApproved(await approveIdleSlide(districtId, saved));
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  };
  const onScreens = review.onScreens
    ? t("schedules.idleOnScreensBefore", { title: review.onScreens.title })
    : t("schedules.idleOnScreensNone");
  const mayApprove = mayAnywhere(user, "schedule.approve");
  const yours = review.changedBy.includes(user.id);
  return (
    <div className="idle-review" data-testid="idle-review">
      <p className="hint">{t("schedules.idlePending", { onScreens })}</p>
      {mayApprove && yours && <p className="hint">{t("schedules.idleYours")}</p>}
      {mayApprove && !yours && dirty && <p className="hint">{t("schedules.idleDirty")}</p>}
      {mayApprove && !yours && (
        <>
          <FormAlert message={error} />
          <button type="button" disabled={busy || dirty} onClick={() => void approve()}>
            {t("schedules.idleApprove", { title: saved.title })}
          </button>
        </>
      )}
    </div>
  );
}
