import type { EmergencyReach, EmergencyView } from "../../../../shared/schemas/schedule";
import { mayAnywhere } from "../lib/access";
import { useI18n } from "../lib/i18n";
import { fetchEmergencyReach } from "../review/emergencyReviewApi";
import { fetchEmergencies } from "../schedules/schedulesApi";
import { DataTable } from "../ui/DataTable";
import { useFail } from "../ui/useFail";
import { useLoader } from "../ui/useLoader";
import { districtLabel } from "./districtsApi";
import { useDistricts } from "./useDistricts";
import { useSession } from "./SessionContext";

/** How many missing screens a summary names before "and N more". */
const NAMED = 5;

/**
 * What reached the screens of one notice: "312 of 315 screens show it; missing: …" for a notice
 * on the screens, the same for its clearing once cleared or pulled, and nothing sent for one
 * waiting for approval. Reloaded whenever screens acknowledge or notices change.
 */
export function EmergencyReachSummary({ notice }: { notice: EmergencyView }) {
  const { t, language } = useI18n();
  const fail = useFail();
  const held = notice.reviewState === "awaiting_approval";
  const reach = useLoader<EmergencyReach | null>(
    () => (held ? Promise.resolve(null) : fetchEmergencyReach(notice.id)),
    fail,
    { deps: [notice.id, notice.reviewState, notice.clearedAt], live: ["emergencies", "takedowns"] },
  );
  if (reach.error !== null)
    return <span className="error">{t("emergencyReach.failed", { error: reach.error })}</span>;
  if (held) return <span>{t("emergencyReach.notSent")}</span>;
  if (reach.data === null) return <span className="muted">{t("emergencyReach.loading")}</span>;
  const step = reach.data.cleared ?? reach.data.sent;
  if (step === null) return <span>{t("emergencyReach.notSent")}</span>;
  if (step.screens === 0) return <span>{t("emergencyReach.noScreens")}</span>;
  const counts = { acknowledged: step.acknowledged, screens: step.screens };
  const named = step.missing.slice(0, NAMED).map((m) => {
    const seen =
      m.lastSeenAt === null
        ? t("emergencyReach.neverSeen")
        : t("emergencyReach.lastSeen", { time: new Date(m.lastSeenAt).toLocaleString(language) });
    return `${m.name} (${seen})`;
  });
  const more = step.missing.length - named.length;
  return (
    <span data-testid="emergency-reach">
      {reach.data.cleared ? t("emergencyReach.cleared", counts) : t("emergencyReach.sent", counts)}
      {step.missing.length > 0 && (
        <small className="muted block">
          {t("emergencyReach.missing", {
            names: [
              ...named,
              ...(more > 0 ? [t("emergencyReach.more", { count: more })] : []),
            ].join(language === "zh-CN" ? "、" : ", "),
          })}
        </small>
      )}
    </span>
  );
}

/**
 * The dashboard's emergency panel: the notices live now (sent or waiting for approval) and, for
 * each, how many screens of its districts show it and which do not. Shown to those who may read
 * emergencies; reloaded live.
 */
export function EmergencyReachPanel() {
  const { user } = useSession();
  const { t, language } = useI18n();
  const fail = useFail();
  const allowed = mayAnywhere(user, "emergency.read");
  const list = useLoader(() => (allowed ? fetchEmergencies() : Promise.resolve([])), fail, {
    live: ["emergencies", "takedowns"],
    refreshMs: 30_000,
  });
  const { districts } = useDistricts((err) => fail(err, list.setError));
  if (!allowed) return null;
  const notices = list.data;
  return (
    <section className="panel" aria-labelledby="emergency-reach-heading">
      <h2 id="emergency-reach-heading">{t("emergencyReach.title")}</h2>
      {list.error !== null && <p className="error">{list.error}</p>}
      {notices === null ? (
        <p>{t("common.loading")}</p>
      ) : notices.length === 0 ? (
        <p>{t("emergencyReach.none")}</p>
      ) : (
        <DataTable
          caption={t("emergencyReach.caption")}
          columns={[
            t("emergencyReach.notice"),
            t("emergency.districts"),
            t("emergencyState.column"),
            t("emergencyReach.column"),
          ]}
        >
          {notices.map((e) => (
            <tr key={e.id}>
              <th scope="row">{e.title}</th>
              <td>{e.districtIds.map((d) => districtLabel(districts, d, language)).join(", ")}</td>
              <td>{t(`emergencyState.${e.reviewState}`)}</td>
              <td>
                <EmergencyReachSummary notice={e} />
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </section>
  );
}
