import {
  createContext,
  useCallback,
  useContext,
  useEffect,
  useEffectEvent,
  useMemo,
  useRef,
  useState,
  type ReactNode,
} from "react";
import type { District } from "../../../../shared/schemas/district";
import { fetchDistricts } from "./districtsApi";

/** The districts of the session, shared by every page that lists or picks them. */
interface DistrictList {
  /** Empty until the first load succeeded. */
  districts: readonly District[];
  loaded: boolean;
  /** Loads the list again (after a district was created or edited) and resolves with it. */
  reload: () => Promise<District[]>;
}

const DistrictsContext = createContext<DistrictList | null>(null);

/**
 * Holds the district list for one session: loaded by the first page that asks and kept while
 * the user stays signed in (the App mounts it afresh for every session).
 */
export function DistrictsProvider({ children }: { children: ReactNode }) {
  const [districts, setDistricts] = useState<District[]>([]);
  const [loaded, setLoaded] = useState(false);
  // Only the latest load may land: an older answer arriving late does not undo a newer one.
  const asked = useRef(0);
  const reload = useCallback(async (): Promise<District[]> => {
    const mine = ++asked.current;
    const list = await fetchDistricts();
    if (mine === asked.current) {
      setDistricts(list);
      setLoaded(true);
    }
    return list;
  }, []);
  const value = useMemo(() => ({ districts, loaded, reload }), [districts, loaded, reload]);
  return <DistrictsContext value={value}>{children}</DistrictsContext>;
}

/**
 * The session's districts and `reload`. The list is loaded when the first page that needs it
 * opens, and again on a later page while no load has succeeded yet; a failed load goes to
 * `onFailure` (the page shows it where it shows its own failures), or is left unshown without.
 */
export function useDistricts(onFailure?: (err: unknown) => void): {
  districts: readonly District[];
  reload: () => Promise<District[]>;
} {
  const list = useContext(DistrictsContext);
  // A programming error, not a state the user can reach: the App provides it around the pages.
  if (list === null) throw new Error("useDistricts() is called outside a DistrictsProvider.");
  // An Effect Event: the list as the page opens and the page's latest `onFailure`.
  const loadIfMissing = useEffectEvent(() => {
    if (!list.loaded) list.reload().catch((err: unknown) => onFailure?.(err));
  });
  useEffect(() => {
    loadIfMissing();
    // Once as the page opens; later loads only when a district was created or edited.
  }, []);
  return { districts: list.districts, reload: list.reload };
}
