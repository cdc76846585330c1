import { useCallback, useEffect, useRef, useState, type DependencyList } from "react";
import type { ConsoleTopic } from "../../../../shared/schemas/consoleChanged";
import { subscribeConsoleChanges } from "../lib/consoleSocket";
import type { Fail } from "./useFail";

/** What a page shows of data it loads: the last good data, when it came, and the last failure. */
export interface Loader<T> {
  /** Null until the first load succeeded; kept while a later load fails. */
  data: T | null;
  /**
   * Whether `data` answers what is asked now (`deps`): "current" once it does; "loading"
   * from the render that changes `deps` until their load settles, so a page can say so
   * instead of showing the old rows as the new page's; "failed" when that load failed, so
   * `data` is an answer to something else.
   */
  status: "current" | "loading" | "failed";
  loadedAt: Date | null;
  /** The failure's sentence; cleared by the next load that succeeds. */
  error: string | null;
  /** Loads again now (after a change the page made, or on "Refresh"). */
  reload: () => Promise<void>;
  /** Shows a failure of something loaded beside the data (e.g. the districts) in the same place. */
  setError: (text: string | null) => void;
}

/**
 * Loads data when the page opens and again whenever `deps` change, and every `refreshMs`
 * when given, and at once whenever the server says one of `live` topics changed; failures go
 * through `fail`, so an ended session signs out instead.
 */
export function useLoader<T>(
  load: () => Promise<T>,
  fail: Fail,
  {
    refreshMs,
    deps = [],
    live = [],
  }: { refreshMs?: number; deps?: DependencyList; live?: readonly ConsoleTopic[] } = {},
): Loader<T> {
  const [data, setData] = useState<T | null>(null);
  const [loadedFor, setLoadedFor] = useState<DependencyList | null>(null);
  const [failedFor, setFailedFor] = useState<DependencyList | null>(null);
  const [loadedAt, setLoadedAt] = useState<Date | null>(null);
  const [error, setError] = useState<string | null>(null);
  // The latest closures, so a reload uses today's filter and language without restarting the timer.
  const latest = useRef({ load, fail, deps });
  useEffect(() => {
    latest.current = { load, fail, deps };
  });

  // Only the latest load may land: an answer to an older filter that arrives late is dropped.
  const asked = useRef(0);
  const reload = useCallback(async (): Promise<void> => {
    const mine = ++asked.current;
    const asking = latest.current.deps;
    try {
      const loaded = await latest.current.load();
      if (mine !== asked.current) return;
      setData(loaded);
      setLoadedFor(asking);
      setLoadedAt(new Date());
      setError(null);
    } catch (err) {
      if (mine !== asked.current) return;
      setFailedFor(asking);
      latest.current.fail(err, setError);
    }
  }, []);

  const asksNow = (list: DependencyList | null): boolean =>
    list !== null && list.length === deps.length && list.every((d, i) => Object.is(d, deps[i]));
  // An effect's dependency list has a fixed length and `deps` has the page's: a number that
  // moves on whenever one of `deps` changes stands in for them (kept as state and set while
  // rendering, React's way for a value that follows what a component is given).
  const [askedFor, setAskedFor] = useState({ deps, version: 0 });
  if (!asksNow(askedFor.deps)) setAskedFor({ deps, version: askedFor.version + 1 });

  useEffect(() => {
    void reload();
    if (refreshMs === undefined) return;
    const timer = window.setInterval(() => void reload(), refreshMs);
    return () => window.clearInterval(timer);
    // Loads again when what is asked for changes; a language switch changes no data.
  }, [reload, refreshMs, askedFor.version]);

  const liveKey = live.join(",");
  useEffect(() => {
    if (liveKey === "") return;
    return subscribeConsoleChanges(liveKey.split(",") as ConsoleTopic[], () => void reload());
  }, [reload, liveKey]);

  const status = asksNow(loadedFor) ? "current" : asksNow(failedFor) ? "failed" : "loading";
  return { data, status, loadedAt, error, reload, setError };
}
