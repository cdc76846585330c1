import { useId, useState } from "react";
import type { Screen } from "../../../../shared/schemas/screen";
import type { Screenshot } from "../../../../shared/schemas/screenshot";
import { useI18n, type Translate } from "../lib/i18n";
import { DataTable } from "../ui/DataTable";
import type { Fail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { fetchScreenshots, requestScreenshot } from "./screenshotsApi";
import "./screenshot.css";

/**
 * Pictures of what a screen shows (issue 20 item 3): "Take a picture" asks the screen, which
 * answers within two minutes; the latest request is shown large (the picture, or why there is
 * none) and updates live as the screen answers; earlier requests are listed below.
 */
export function ScreenshotPanel({
  screen,
  fail,
  onClose,
}: {
  screen: Screen;
  fail: Fail;
  onClose: () => void;
}) {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const headingId = useId();
  const [asking, setAsking] = useState(false);
  const [askError, setAskError] = useState<string | null>(null);
  const [shown, setShown] = useState<string | null>(null);
  const loader = useLoader(() => fetchScreenshots(screen.id), fail, {
    deps: [screen.id],
    live: ["screens"],
    // A request still waiting is looked at again, in case a notice was missed.
    refreshMs: 20_000,
  });
  const list = loader.data;
  const time = (iso: string) =>
    new Date(iso).toLocaleString(language, {
      month: "short",
      day: "numeric",
      hour: "2-digit",
      minute: "2-digit",
      second: "2-digit",
    });
  const latest = list?.find((s) => s.id === shown) ?? list?.[0] ?? null;
  const waiting = list?.some((s) => s.state === "requested") ?? false;

  const take = async (): Promise<void> => {
    setAsking(true);
    setAskError(null);
    try {
      const made = await requestScreenshot(screen.id);
      setShown(made.id);
      await loader.reload();
    } catch (err) {
      fail(err, setAskError);
    } finally {
      setAsking(false);
    }
  };

  return (
    <section className="panel screenshot-panel" aria-labelledby={headingId}>
      <div className="section-head">
        <h2 id={headingId} ref={heading} tabIndex={-1}>
          {t("screenshot.title", { name: screen.name })}
        </h2>
        <button type="button" className="secondary small" onClick={onClose}>
          {t("screenshot.close")}
        </button>
      </div>
      <div className="screenshot-actions">
        <button
          type="button"
          disabled={asking || waiting || screen.state !== "active"}
          onClick={() => void take()}
        >
          {asking ? t("screenshot.taking") : t("screenshot.take")}
        </button>
        <p className="hint">{t("screenshot.kept")}</p>
      </div>
      {askError !== null && (
        <p className="error" role="alert">
          {askError}
        </p>
      )}
      {loader.error !== null && <p className="error">{loader.error}</p>}
      {list === null ? (
        <p>{t("common.loading")}</p>
      ) : latest === null ? (
        <p className="screenshot-status">{t("screenshot.none")}</p>
      ) : (
        <div aria-live="polite" data-testid="screenshot-latest">
          <Latest shot={latest} name={screen.name} t={t} time={time} />
        </div>
      )}
      {list !== null && list.length > 1 && (
        <div className="screenshot-earlier">
          <h3>{t("screenshot.earlier")}</h3>
          <DataTable
            caption={t("screenshot.earlier")}
            columns={[t("screenshot.asked"), t("screenshot.state"), t("common.actions")]}
          >
            {list.map((s) => (
              <tr key={s.id} aria-current={s.id === latest?.id ? "true" : undefined}>
                <td>{time(s.requestedAt)}</td>
                <td>{t(`screenshot.state.${s.state}`)}</td>
                <td>
                  {s.state === "received" && s.id !== latest?.id && (
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={t("screenshot.viewAt", { time: time(s.requestedAt) })}
                      onClick={() => setShown(s.id)}
                    >
                      {t("screenshot.view")}
                    </button>
                  )}
                </td>
              </tr>
            ))}
          </DataTable>
        </div>
      )}
    </section>
  );
}

/** One request as it stands: its picture, that it is awaited, or why none came. */
function Latest({
  shot,
  name,
  t,
  time,
}: {
  shot: Screenshot;
  name: string;
  t: Translate;
  time: (iso: string) => string;
}) {
  if (shot.state === "received" && shot.imageUrl !== null) {
    const at = time(shot.receivedAt ?? shot.requestedAt);
    return (
      <figure className="screenshot-figure">
        <img src={shot.imageUrl} alt={t("screenshot.alt", { name, time: at })} />
        <figcaption>
          {t("screenshot.takenAt", { time: at })}
          {shot.width !== null && shot.height !== null && (
            <> · {t("screenshot.size", { width: shot.width, height: shot.height })}</>
          )}
        </figcaption>
      </figure>
    );
  }
  if (shot.state === "requested")
    return (
      <p className="screenshot-status" role="status">
        {t("screenshot.waiting", { time: time(shot.requestedAt) })}
      </p>
    );
  return (
    <p className="screenshot-status" role="status">
      <strong>{t("screenshot.state.unavailable")}:</strong>{" "}
      {shot.unavailable === "kiosk"
        ? t("screenshot.why.kiosk", { reason: shot.reason ?? "" })
        : t(`screenshot.why.${shot.unavailable ?? "no_answer"}`)}
    </p>
  );
}
