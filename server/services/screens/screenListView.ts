import type { AlertKind } from "../../../shared/schemas/alert";
import type { Screen, ScreenListQuery, ScreenProblem } from "../../../shared/schemas/screen";

/** The alert kind behind each problem filter but "offline" and "any". */
const ALERT_OF: Record<Exclude<ScreenProblem, "any">, AlertKind> = {
  offline: "screen_offline",
  storage_low: "storage_low",
  clock_skew: "clock_skew",
  old_app_version: "old_app_version",
  takedown_unacknowledged: "takedown_unacknowledged",
};

/**
 * Whether a screen has `problem`: an open alert of that kind, or, for "offline", also dark now
 * by the alert monitor's rule (presented offline: no connection that reported within
 * ONLINE_WITHIN_MS), before its district's limit raised the alert. An unpaired screen has none.
 */
export function hasProblem(
  screen: Screen,
  alertKinds: ReadonlySet<AlertKind> | undefined,
  problem: ScreenProblem,
): boolean {
  if (screen.state !== "active") return false;
  if (problem === "any")
    return (
      !screen.online || (alertKinds !== undefined && alertKinds.size > 0) // every alert kind is a problem
    );
  if (problem === "offline" && !screen.online) return true;
  return alertKinds?.has(ALERT_OF[problem]) ?? false;
}

/**
 * The screens list as asked: narrowed to a problem, then sorted by name or by last seen (a
 * screen never seen counts as the longest silent); ties by name, then id, so the order is
 * stable between refreshes. Without `sort` the order given (district, then name) stays.
 */
export function screenListView(
  screens: readonly Screen[],
  alertKinds: ReadonlyMap<string, ReadonlySet<AlertKind>>,
  query: Pick<ScreenListQuery, "problem" | "sort" | "order">,
): Screen[] {
  const { problem, sort } = query;
  const kept =
    problem === undefined
      ? [...screens]
      : screens.filter((s) => hasProblem(s, alertKinds.get(s.id), problem));
  if (sort === undefined) return query.order === "desc" ? kept.reverse() : kept;
  const sign = query.order === "desc" ? -1 : 1;
  const byName = (a: Screen, b: Screen): number =>
    a.name.localeCompare(b.name, "zh-CN") || a.id.localeCompare(b.id);
  const seen = (s: Screen): number =>
    s.lastSeenAt === null ? -Infinity : Date.parse(s.lastSeenAt);
  return kept.sort((a, b) => {
    if (sort === "name") return sign * byName(a, b);
    const d = seen(a) - seen(b);
    return d !== 0 && !Number.isNaN(d) ? sign * Math.sign(d) : byName(a, b);
  });
}
