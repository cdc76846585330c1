import { useCallback, useEffect, useId, useRef, useState } from "react";
import type { Alert, AlertList } from "../../../../shared/schemas/alert";
import { subscribeConsoleChanges } from "../lib/consoleSocket";
import { describeError } from "../lib/describeError";
import { useI18n, type Translate } from "../lib/i18n";
import { fetchAlerts, markAlertsSeen } from "./alertsApi";
import "./alerts.css";

/** One alert in words: what is wrong, on which screen, with its figures. */
export function describeAlert(a: Alert, t: Translate): string {
  const screen = a.screenName === "" ? a.screenId.slice(0, 8) : a.screenName;
  const d = a.detail;
  switch (a.kind) {
    case "screen_offline":
      return t("alerts.kind.offline", { screen, minutes: Number(d["limitMinutes"] ?? 0) });
    case "takedown_unacknowledged":
      return t("alerts.kind.takedown", {
        screen,
        what: typeof d["title"] === "string" ? d["title"] : t("alerts.anEntry"),
      });
    case "storage_low":
      return t("alerts.kind.storage", {
        screen,
        used: Number(d["usedMb"] ?? 0),
        quota: Number(d["quotaMb"] ?? 0),
      });
    case "clock_skew":
      return t("alerts.kind.clock", {
        screen,
        seconds: (Math.abs(Number(d["skewMs"] ?? 0)) / 1000).toFixed(1),
      });
    case "old_app_version":
      return t("alerts.kind.version", {
        screen,
        version: String(d["version"] ?? ""),
        current: String(d["current"] ?? ""),
      });
  }
}

/**
 * The bell in the top bar: how many alerts of the user's districts are new, and the list on a
 * click (open ones first, then the latest resolved). It reloads when the server says alerts
 * changed; opening the list marks them seen.
 */
export function AlertBell() {
  const { t, language } = useI18n();
  const [list, setList] = useState<AlertList | null>(null);
  const [open, setOpen] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const panelId = useId();
  const button = useRef<HTMLButtonElement>(null);

  const load = useCallback(async (): Promise<void> => {
    try {
      setList(await fetchAlerts());
      setError(null);
    } catch (err) {
      setError(describeError(err, t));
    }
  }, [t]);

  useEffect(() => {
    void load();
    return subscribeConsoleChanges(["alerts"], () => void load());
  }, [load]);

  const toggle = async (): Promise<void> => {
    const next = !open;
    setOpen(next);
    if (next && list !== null && list.unread > 0) {
      try {
        await markAlertsSeen();
        await load();
      } catch (err) {
        setError(describeError(err, t));
      }
    }
  };

  const unread = list?.unread ?? 0;
  const openAlerts = list?.alerts.filter((a) => a.resolvedAt === null) ?? [];
  const resolved = list?.alerts.filter((a) => a.resolvedAt !== null).slice(0, 10) ?? [];
  const time = (iso: string): string =>
    new Date(iso).toLocaleString(language, { dateStyle: "short", timeStyle: "short" });

  return (
    <div className="alert-bell">
      <button
        ref={button}
        type="button"
        className={`secondary${unread > 0 ? " has-unread" : ""}`}
        aria-expanded={open}
        aria-controls={panelId}
        onClick={() => void toggle()}
        onKeyDown={(e) => {
          if (e.key === "Escape") setOpen(false);
        }}
      >
        {t("alerts.bell", { count: openAlerts.length })}
        {unread > 0 && (
          <span className="alert-count" data-testid="alert-unread">
            {t("alerts.unread", { count: unread })}
          </span>
        )}
      </button>
      {open && (
        <section
          id={panelId}
          className="alert-panel"
          aria-label={t("alerts.title")}
          onKeyDown={(e) => {
            if (e.key === "Escape") {
              setOpen(false);
              button.current?.focus();
            }
          }}
        >
          <h2>{t("alerts.title")}</h2>
          {error && <p role="alert">{error}</p>}
          {openAlerts.length === 0 ? (
            <p className="hint">{t("alerts.none")}</p>
          ) : (
            <ul className="alert-list" aria-label={t("alerts.openTitle")}>
              {openAlerts.map((a) => (
                <li key={a.id} data-testid="alert-open">
                  <span>{describeAlert(a, t)}</span>{" "}
                  <span className="hint">{t("alerts.since", { time: time(a.raisedAt) })}</span>
                </li>
              ))}
            </ul>
          )}
          {resolved.length > 0 && (
            <>
              <h3>{t("alerts.resolvedTitle")}</h3>
              <ul className="alert-list resolved">
                {resolved.map((a) => (
                  <li key={a.id}>
                    <span>{describeAlert(a, t)}</span>{" "}
                    <span className="hint">
                      {t("alerts.resolvedAt", { time: time(a.resolvedAt ?? a.raisedAt) })}
                    </span>
                  </li>
                ))}
              </ul>
            </>
          )}
        </section>
      )}
    </div>
  );
}
