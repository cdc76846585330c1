import type { ScreenListQuery, ScreenProblem } from "../../../../shared/schemas/screen";
import { useI18n, type PlainMessageKey } from "../lib/i18n";
import { SelectField } from "../ui/SelectField";
import "./screenHistory.css";

/** How the screens list can be ordered, as the console offers it. */
const ORDERS = {
  district: {},
  nameAsc: { sort: "name", order: "asc" },
  nameDesc: { sort: "name", order: "desc" },
  lastSeenAsc: { sort: "lastSeen", order: "asc" },
  lastSeenDesc: { sort: "lastSeen", order: "desc" },
} as const satisfies Record<string, Pick<ScreenListQuery, "sort" | "order">>;
/** An order the console offers. */
export type ScreenOrder = keyof typeof ORDERS;

/** A problem filter, or every screen. */
export type ScreenFilter = ScreenProblem | "all";

const ORDER_KEYS: Record<ScreenOrder, PlainMessageKey> = {
  district: "screens.sort.district",
  nameAsc: "screens.sort.nameAsc",
  nameDesc: "screens.sort.nameDesc",
  lastSeenAsc: "screens.sort.lastSeenAsc",
  lastSeenDesc: "screens.sort.lastSeenDesc",
};

const FILTER_KEYS: Record<ScreenFilter, PlainMessageKey> = {
  all: "screens.problem.all",
  any: "screens.problem.any",
  offline: "screens.problem.offline",
  storage_low: "screens.problem.storage_low",
  clock_skew: "screens.problem.clock_skew",
  old_app_version: "screens.problem.old_app_version",
  takedown_unacknowledged: "screens.problem.takedown_unacknowledged",
};

/** The list query an order and a filter ask for. */
export function screenListQuery(
  order: ScreenOrder,
  filter: ScreenFilter,
): Pick<ScreenListQuery, "problem" | "sort" | "order"> {
  return { ...ORDERS[order], ...(filter === "all" ? {} : { problem: filter }) };
}

/** The screens list's order and problem filter. */
export function ScreenListControls({
  order,
  filter,
  onOrder,
  onFilter,
}: {
  order: ScreenOrder;
  filter: ScreenFilter;
  onOrder: (order: ScreenOrder) => void;
  onFilter: (filter: ScreenFilter) => void;
}) {
  const { t } = useI18n();
  const entries = <K extends string>(keys: Record<K, PlainMessageKey>) =>
    (Object.keys(keys) as K[]).map((k) => {
      const key: PlainMessageKey = keys[k];
      return [k, t(key)] as const;
    });
  return (
    <div className="screen-list-controls" role="group" aria-label={t("screens.listControls")}>
      <SelectField
        label={t("screens.problemLabel")}
        value={filter}
        onChange={onFilter}
        options={entries(FILTER_KEYS)}
      />
      <SelectField
        label={t("screens.sortLabel")}
        value={order}
        onChange={onOrder}
        options={entries(ORDER_KEYS)}
      />
    </div>
  );
}
