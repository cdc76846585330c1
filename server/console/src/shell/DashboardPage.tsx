import { useRef, useState } from "react";
import type { AuditRecord } from "../../../../shared/schemas/auditRecord";
import type { EntryView } from "../../../../shared/schemas/entryView";
import type { Screen } from "../../../../shared/schemas/screen";
import type { Takedown } from "../../../../shared/schemas/takedown";
import { fetchAudit } from "../audit/auditApi";
import { targetName } from "../audit/targetName";
import { fetchAnnouncementViews } from "../announcements/announcementsApi";
import { mayAnywhere, mayCitywide, mayOpen } from "../lib/access";
import { useI18n, type PlainMessageKey } from "../lib/i18n";
import { fetchEntry } from "../review/reviewApi";
import { fetchScreens } from "../screens/screensApi";
import { DataTable } from "../ui/DataTable";
import { useFail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { fetchPendingCount, fetchTakedowns } from "./dashboardApi";
import { EmergencyReachPanel } from "./EmergencyReachPanel";
import { districtLabel } from "./districtsApi";
import { useSession } from "./SessionContext";
import { useDistricts } from "./useDistricts";

/**
 * How often the overview is fetched again regardless: the server pushes a notice when screens,
 * takedowns or entries change (reloaded at once), so this only catches what it does not push.
 */
const REFRESH_MS = 30_000;

const takedownKeys: Record<Takedown["kind"], PlainMessageKey> = {
  "entry.revoked": "dashboard.revoked",
  "entry.expired": "dashboard.expired",
  "entry.withdrawn": "dashboard.withdrawn",
  "announcement.withdrawn": "dashboard.announcementWithdrawn",
  "announcement.ended": "dashboard.announcementEnded",
};

/** What the overview shows; each part is null until loaded (or when the user may not see it). */
interface Overview {
  pending: { count: number; more: boolean } | null;
  /** Announcements waiting for review, when the user may read them. */
  pendingAnnouncements: number | null;
  takedowns: Takedown[];
  screens: Screen[];
  audit: AuditRecord[] | null;
}

/**
 * The overview: entries waiting for review, takedowns with how many screens have acknowledged
 * and which have not, screens online per district, and (for city admins) the latest audit
 * records. Refreshed every few seconds.
 */
export function DashboardPage() {
  const { user } = useSession();
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [entries, setEntries] = useState<Record<string, EntryView>>({});
  const asked = useRef(new Set<string>());
  const seesAudit = mayCitywide(user, "audit.read");
  const seesAnnouncements = mayAnywhere(user, "announcement.read");

  const overview = async (): Promise<Overview> => {
    const [pending, pendingAnnouncements, takedowns, screens, audit] = await Promise.all([
      fetchPendingCount(),
      seesAnnouncements ? fetchAnnouncementViews("in_review").then((a) => a.length) : null,
      fetchTakedowns(10),
      fetchScreens(),
      seesAudit
        ? fetchAudit({ entry: "", user: "", screen: "", action: "", from: "", to: "" }, null, 8)
        : null,
    ]);
    // Names for the entries' takedowns, fetched once per entry (an announcement's comes with it).
    for (const td of takedowns) {
      const id = td.entryId;
      if (td.contentType !== "entry" || id === undefined || asked.current.has(id)) continue;
      asked.current.add(id);
      fetchEntry(id).then(
        (e) => setEntries((m) => ({ ...m, [e.id]: e })),
        () => undefined,
      );
    }
    return { pending, pendingAnnouncements, takedowns, screens, audit: audit?.records ?? null };
  };
  const { data, loadedAt, error } = useLoader(overview, useFail(), {
    refreshMs: REFRESH_MS,
    live: ["screens", "takedowns", "entries", "announcements"],
  });

  // The overview shows district ids where a name failed to load: no failure of its own.
  const { districts } = useDistricts();

  const label = (id: string) => districtLabel(districts, id, language);
  const active = data?.screens.filter((s) => s.state === "active") ?? [];
  const byDistrict = [...new Set(active.map((s) => s.districtId))].sort().map((id) => {
    const here = active.filter((s) => s.districtId === id);
    return { id, online: here.filter((s) => s.online).length, total: here.length };
  });
  const time = (iso: string | null) =>
    iso === null ? t("common.never") : new Date(iso).toLocaleString(language);
  /** What was taken down: the entry's masked name and case, or the announcement's title. */
  const takedownName = (td: Takedown): string => {
    if (td.contentType === "announcement")
      return t("dashboard.announcementNamed", { title: td.title ?? td.contentId });
    const e = entries[td.entryId ?? td.contentId];
    return e ? `${e.maskedName} · ${e.caseNumber}` : (td.entryId ?? td.contentId);
  };

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("dashboard.title")}
      </h1>
      <p className="muted">
        {loadedAt
          ? t("dashboard.refreshed", { time: loadedAt.toLocaleTimeString(language) })
          : t("common.loading")}
      </p>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      <div className="cards">
        <section className="card" aria-labelledby="pending-heading">
          <h2 id="pending-heading">{t("dashboard.pending")}</h2>
          <p className="big">
            {data?.pending ? `${data.pending.count}${data.pending.more ? "+" : ""}` : "…"}
          </p>
          {data && data.pendingAnnouncements !== null && (
            <p>{t("dashboard.pendingAnnouncements", { n: data.pendingAnnouncements })}</p>
          )}
          {mayOpen(user, "review") && <a href="#review">{t("dashboard.toReview")}</a>}
        </section>
        <section className="card" aria-labelledby="online-heading">
          <h2 id="online-heading">{t("dashboard.screensOnline")}</h2>
          <p className="big">
            {data
              ? t("dashboard.nOfM", {
                  n: active.filter((s) => s.online).length,
                  m: active.length,
                })
              : "…"}
          </p>
          <a href="#screens">{t("dashboard.toScreens")}</a>
        </section>
      </div>

      <EmergencyReachPanel />

      <h2>{t("dashboard.takedowns")}</h2>
      {data && data.takedowns.length === 0 ? (
        <p>{t("dashboard.noTakedowns")}</p>
      ) : (
        <DataTable
          caption={t("dashboard.takedowns")}
          columns={[
            t("dashboard.entry"),
            t("dashboard.what"),
            t("dashboard.when"),
            t("dashboard.acknowledged"),
            t("dashboard.missing"),
          ]}
        >
          {data?.takedowns.map((td) => {
            const done = td.acknowledged >= td.screens;
            return (
              <tr key={`${td.contentType}:${td.contentId}:${td.version}`}>
                <th scope="row">{takedownName(td)}</th>
                <td>{t(takedownKeys[td.kind])}</td>
                <td className="nowrap">{time(td.at)}</td>
                <td>
                  <span className={`badge ${done ? "online" : "offline"}`}>
                    {t("dashboard.nOfM", { n: td.acknowledged, m: td.screens })}
                  </span>
                </td>
                <td>
                  {td.missing.length === 0 ? (
                    "—"
                  ) : (
                    <ul className="plain">
                      {td.missing.map((m) => (
                        <li key={m.id}>
                          {m.name}{" "}
                          <small className="muted">
                            {label(m.districtId)} ·{" "}
                            {t("dashboard.lastSeen", { time: time(m.lastSeenAt) })}
                          </small>
                        </li>
                      ))}
                    </ul>
                  )}
                </td>
              </tr>
            );
          })}
        </DataTable>
      )}

      <h2>{t("dashboard.byDistrict")}</h2>
      {data && byDistrict.length === 0 ? (
        <p>{t("screens.empty")}</p>
      ) : (
        <DataTable
          caption={t("dashboard.byDistrict")}
          columns={[t("common.district"), t("screens.online"), t("screens.offline")]}
        >
          {byDistrict.map((d) => (
            <tr key={d.id}>
              <th scope="row">{label(d.id)}</th>
              <td>{d.online}</td>
              <td>
                {d.total - d.online > 0 ? (
                  <span className="badge offline">{d.total - d.online}</span>
                ) : (
                  0
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}

      {seesAudit && (
        <>
          <h2>{t("dashboard.recentAudit")}</h2>
          {data?.audit && data.audit.length > 0 && (
            <ul className="plain audit-feed">
              {data.audit.map((r) => (
                <li key={r.seq}>
                  <span className="muted">{time(r.at)}</span> <code>{r.action}</code>
                  {r.actorName && <span> · {r.actorName}</span>}
                  {r.target && <span className="muted"> · {targetName(r, t, label)}</span>}
                </li>
              ))}
            </ul>
          )}
          <p>
            <a href="#audit">{t("dashboard.toAudit")}</a>
          </p>
        </>
      )}
    </main>
  );
}
