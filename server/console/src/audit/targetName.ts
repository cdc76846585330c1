import type { AuditRecord } from "../../../../shared/schemas/auditRecord";
import type { PlainMessageKey, Translate } from "../lib/i18n";

/** The word for each kind of audit target the console names; other kinds keep their own. */
const targetKinds: Partial<Record<string, PlainMessageKey>> = {
  entry: "audit.target.entry",
  announcement: "audit.target.announcement",
  emergency: "audit.target.emergency",
  district: "audit.target.district",
  screen: "audit.target.screen",
  user: "audit.target.user",
};

/**
 * What an audit record concerns, for people: its kind and its name (an entry's masked name, a
 * title, a user's or screen's name, a district in the console's language) as the server named
 * it; the id only when there is no name to show (a kind without one, or something erased).
 */
export function targetName(
  r: AuditRecord,
  t: Translate,
  districtName: (id: string) => string,
): string {
  if (!r.target) return "—";
  const key = targetKinds[r.target.type];
  const kind = key ? t(key) : r.target.type;
  if (r.target.type === "district" && r.target.id !== null)
    return `${kind} ${districtName(r.target.id)}`;
  if (r.targetName) return `${kind} ${r.targetName}`;
  if (key && r.targetName === null) return `${kind} ${t("audit.target.gone")}`;
  return `${kind} ${r.target.id ?? ""}`;
}
