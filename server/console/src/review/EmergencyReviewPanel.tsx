import { useState, type FormEvent } from "react";
import type { EmergencyView } from "../../../../shared/schemas/schedule";
import { mayAnywhere } from "../lib/access";
import { useI18n } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { EmergencyReachSummary } from "../shell/EmergencyReachPanel";
import { useSession } from "../shell/SessionContext";
import { useDistricts } from "../shell/useDistricts";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail } from "../ui/useFail";
import { useLoader } from "../ui/useLoader";
import { useNotice } from "../ui/useNotice";
import {
  approveEmergency,
  confirmEmergency,
  fetchEmergencyReviewQueue,
  pullEmergency,
} from "./emergencyReviewApi";

/**
 * The moderator's emergency queue: notices sent at once and not yet reviewed (confirm or pull),
 * and notices waiting for a second person (approve or pull). Pulling asks for a reason once. A
 * moderator's own notices are listed but not reviewable. Shown only to those who may review.
 */
export function EmergencyReviewPanel({ onChanged }: { onChanged?: () => void }) {
  const { user } = useSession();
  const { t, language } = useI18n();
  const fail = useFail();
  const notices = useNotice();
  const { announce } = notices;
  const allowed = mayAnywhere(user, "emergency.review");
  const queue = useLoader(
    () => (allowed ? fetchEmergencyReviewQueue() : Promise.resolve([])),
    fail,
    { live: ["emergencies", "takedowns"], refreshMs: 30_000 },
  );
  const { districts } = useDistricts((err) => fail(err, queue.setError));
  const [pulling, setPulling] = useState<EmergencyView | null>(null);
  const [busy, setBusy] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  if (!allowed) return null;

  const act = async (
    e: EmergencyView,
    run: () => Promise<unknown>,
    done: (title: string) => void,
  ): Promise<void> => {
    setActionError(null);
    setBusy(e.id);
    try {
      await run();
      setPulling(null);
      done(e.title);
      await queue.reload();
      onChanged?.();
    } catch (err) {
      fail(err, setActionError);
    } finally {
      setBusy(null);
    }
  };

  const list = queue.data;
  return (
    <section className="panel" aria-labelledby="emergency-review-heading">
      <h2 id="emergency-review-heading">{t("emergencyReview.title")}</h2>
      <p>{t("emergencyReview.intro")}</p>
      <StatusNotice notices={notices} />
      {queue.error !== null && <p className="error">{queue.error}</p>}
      <FormAlert message={pulling ? null : actionError} />
      {list === null ? (
        <p>{t("common.loading")}</p>
      ) : list.length === 0 ? (
        <p>{t("emergencyReview.none")}</p>
      ) : (
        <ul className="plain">
          {list.map((e) => {
            const own = e.sentBy === user.id;
            const held = e.reviewState === "awaiting_approval";
            return (
              <li key={e.id} className="panel" aria-labelledby={`emergency-review-${e.id}`}>
                <h3 id={`emergency-review-${e.id}`}>{e.title}</h3>
                {e.body !== "" && <p>{e.body}</p>}
                <p>
                  {t(`emergencyState.${e.reviewState}`)} ·{" "}
                  {e.districtIds.map((d) => districtLabel(districts, d, language)).join(", ")} ·{" "}
                  {new Date(e.startsAt).toLocaleString(language)}
                </p>
                <p>
                  <EmergencyReachSummary notice={e} />
                </p>
                {own ? (
                  <p className="muted">{t("emergencyReview.own")}</p>
                ) : pulling?.id === e.id ? (
                  <PullForm
                    notice={e}
                    busy={busy === e.id}
                    error={actionError}
                    onCancel={() => {
                      setPulling(null);
                      setActionError(null);
                    }}
                    onPull={(reason) =>
                      void act(
                        e,
                        () => pullEmergency(e.id, reason),
                        (title) => announce((tr) => tr("emergencyReview.pulled", { title })),
                      )
                    }
                  />
                ) : (
                  <div className="toolbar">
                    {held ? (
                      <button
                        type="button"
                        disabled={busy !== null}
                        aria-label={t("emergencyReview.approveNamed", { title: e.title })}
                        onClick={() =>
                          void act(
                            e,
                            () => approveEmergency(e.id),
                            (title) => announce((tr) => tr("emergencyReview.approved", { title })),
                          )
                        }
                      >
                        {t("emergencyReview.approve")}
                      </button>
                    ) : (
                      e.reviewState === "unreviewed" && (
                        <button
                          type="button"
                          disabled={busy !== null}
                          aria-label={t("emergencyReview.confirmNamed", { title: e.title })}
                          onClick={() =>
                            void act(
                              e,
                              () => confirmEmergency(e.id),
                              (title) =>
                                announce((tr) => tr("emergencyReview.confirmed", { title })),
                            )
                          }
                        >
                          {t("emergencyReview.confirm")}
                        </button>
                      )
                    )}
                    <button
                      type="button"
                      className="danger"
                      disabled={busy !== null}
                      aria-label={t("emergencyReview.pullNamed", { title: e.title })}
                      onClick={() => {
                        setActionError(null);
                        setPulling(e);
                      }}
                    >
                      {t("emergencyReview.pull")}
                    </button>
                  </div>
                )}
              </li>
            );
          })}
        </ul>
      )}
    </section>
  );
}

/** Asks why, once, then pulls: the reason goes to the audit log and the sender. */
function PullForm({
  notice,
  busy,
  error,
  onCancel,
  onPull,
}: {
  notice: EmergencyView;
  busy: boolean;
  error: string | null;
  onCancel: () => void;
  onPull: (reason: string) => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (reason.trim() === "") return setMissing(true);
    setMissing(false);
    onPull(reason.trim());
  };
  const held = notice.reviewState === "awaiting_approval";
  const over =
    notice.clearedAt !== null ||
    (notice.endsAt !== undefined && Date.parse(notice.endsAt) <= Date.now());
  return (
    <form
      className="panel-form"
      noValidate
      aria-label={t("emergencyReview.pullHeading", { title: notice.title })}
      onSubmit={submit}
    >
      <p>
        {held
          ? t("emergencyReview.pullHeld")
          : over
            ? t("emergencyReview.pullOver")
            : t("emergencyReview.pullLive")}
      </p>
      <FormAlert
        message={missing ? t("error.required", { field: t("emergencyReview.pullReason") }) : error}
      />
      <Field
        label={t("emergencyReview.pullReason")}
        hint={t("emergencyReview.pullReasonHint")}
        value={reason}
        maxLength={500}
        autoFocus
        invalid={missing}
        onChange={(e) => setReason(e.target.value)}
      />
      <div className="toolbar">
        <button type="submit" className="danger" disabled={busy}>
          {busy ? t("emergencyReview.pulling") : t("emergencyReview.pullYes")}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </form>
  );
}
