import { useState, type FormEvent } from "react";
import type { District } from "../../../../shared/schemas/district";
import {
  identifyCodeOf,
  PAIRING_ALPHABET,
  PAIRING_CODE_LENGTH,
  type Screen,
} from "../../../../shared/schemas/screen";
import { PlayReportPanel } from "../entries/PlayReportPanel";
import { fetchScreenPlays } from "../entries/playsApi";
import { mayAnywhere } from "../lib/access";
import { useI18n, type Message, type Translate } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { useSession } from "../shell/SessionContext";
import { useDistricts } from "../shell/useDistricts";
import { ConfirmGroup } from "../ui/ConfirmGroup";
import { DataTable } from "../ui/DataTable";
import { DistrictSelect } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail, type Fail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useFormSubmit } from "../ui/useFormSubmit";
import { useLoader } from "../ui/useLoader";
import { useNotice, type Notice } from "../ui/useNotice";
import { ScreenTagsEditor, TagChips } from "./ScreenTagsEditor";
import { ScreenHistoryPanel } from "./ScreenHistoryPanel";
import { ScreenshotPanel } from "./ScreenshotPanel";
import { browserTimeZone } from "./connectivityTimeline";
import {
  ScreenListControls,
  screenListQuery,
  type ScreenFilter,
  type ScreenOrder,
} from "./ScreenListControls";
import { showingText } from "./showingText";
import {
  fetchScreens,
  identifyScreen,
  pairScreen,
  reloadScreen,
  revokeScreen,
  rotateScreenToken,
  updateScreen,
} from "./screensApi";

/**
 * How often the list is fetched again, so what screens show and their memory stay current
 * (they report every 30 s); a screen coming or going is pushed and reloaded at once.
 */
const REFRESH_MS = 15_000;

/** How long "Identify" shows the screen's name on it. */
const IDENTIFY_SECONDS = 10;

/**
 * Pair kiosks by their code and manage the paired screens: rename, move, tag, rotate, unpair;
 * identify or reload a connected screen; see what a screen has shown (proof of play).
 */
export function ScreensPage() {
  const { user } = useSession();
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const canOperate = mayAnywhere(user, "screen.manage");
  const canPicture = mayAnywhere(user, "screen.screenshot");
  const [managed, setManaged] = useState<string | null>(null);
  const notices = useNotice();
  const [commandError, setCommandError] = useState<string | null>(null);
  const [reloading, setReloading] = useState<string | null>(null);
  const [commandBusy, setCommandBusy] = useState(false);
  const [playsOf, setPlaysOf] = useState<string | null>(null);
  const [historyOf, setHistoryOf] = useState<string | null>(null);
  const [pictureOf, setPictureOf] = useState<string | null>(null);
  const [order, setOrder] = useState<ScreenOrder>("district");
  const [filter, setFilter] = useState<ScreenFilter>("all");

  const fail = useFail();
  const list = useLoader(() => fetchScreens(screenListQuery(order, filter)), fail, {
    refreshMs: REFRESH_MS,
    live: ["screens"],
    deps: [order, filter],
  });
  const { data: screens, loadedAt, error: loadError, reload: load } = list;

  const { districts } = useDistricts((err) => fail(err, list.setError));

  const label = (id: string) => districtLabel(districts, id, language);
  const managedScreen = screens?.find((s) => s.id === managed) ?? null;
  const playsScreen = screens?.find((s) => s.id === playsOf) ?? null;
  const historyScreen = screens?.find((s) => s.id === historyOf) ?? null;
  const pictureScreen = screens?.find((s) => s.id === pictureOf) ?? null;
  const historyZone = districts.find((d) => d.id === historyScreen?.districtId)?.timeZone;

  /** Sends a command to a screen; the server's sentence (e.g. offline) is shown as it came. */
  const command = async (s: Screen, work: () => Promise<void>, done: Notice): Promise<void> => {
    setCommandError(null);
    setCommandBusy(true);
    try {
      await work();
      setReloading(null);
      notices.announce(done);
    } catch (err) {
      setReloading(null);
      fail(err, (text) => setCommandError(`“${s.name}”: ${text}`));
    } finally {
      setCommandBusy(false);
    }
  };

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("screens.title")}
      </h1>
      {canOperate && (
        <PairForm
          districts={districts}
          districtLabel={label}
          onPaired={(s) => {
            notices.announce(
              (tr) => tr("screens.paired", { name: s.name, district: label(s.districtId) }),
              false,
            );
            void load();
          }}
          fail={fail}
        />
      )}
      <StatusNotice notices={notices} />
      <div className="section-head">
        <h2>{t("screens.list", { count: screens?.length ?? 0 })}</h2>
        <button type="button" className="secondary" onClick={() => void load()}>
          {t("common.refresh")}
        </button>
        {loadedAt && (
          <small className="muted">
            {t("common.updatedAt", { time: loadedAt.toLocaleTimeString(language) })}
          </small>
        )}
      </div>
      <ScreenListControls order={order} filter={filter} onOrder={setOrder} onFilter={setFilter} />
      {loadError !== null && <p className="error">{loadError}</p>}
      <FormAlert message={commandError} />
      {screens === null ? (
        <p>{t("common.loading")}</p>
      ) : screens.length === 0 ? (
        <p>
          {filter === "all"
            ? t("screens.empty")
            : t("screens.noneMatch", { filter: t(`screens.problem.${filter}`) })}
        </p>
      ) : (
        <DataTable
          caption={t("screens.list", { count: screens.length })}
          columns={[
            t("screens.name"),
            t("common.district"),
            t("screens.status"),
            t("screens.tags"),
            t("screens.currentSlide"),
            t("screens.appliedVersion"),
            t("screens.lastSeen"),
            t("screens.device"),
            t("screens.memory"),
            t("common.actions"),
          ]}
        >
          {screens.map((s) => (
            <tr key={s.id} aria-current={s.id === managed ? "true" : undefined}>
              <th scope="row">
                {s.name}
                {s.location !== "" && <small className="muted block">{s.location}</small>}
              </th>
              <td>{label(s.districtId)}</td>
              <td>
                <ScreenState screen={s} t={t} />
              </td>
              <td>
                <TagChips tags={s.tags} label={t("screens.tagsOf", { name: s.name })} />
              </td>
              <td className="break">{showingText(s.showing, t)}</td>
              <td>{s.appliedVersion}</td>
              <td>
                {s.lastSeenAt === null
                  ? t("common.never")
                  : new Date(s.lastSeenAt).toLocaleString(language)}
              </td>
              <td>
                {s.width !== null && s.height !== null ? `${s.width}×${s.height}` : "—"}
                {s.appVersion !== null && <small className="muted block">{s.appVersion}</small>}
                {s.clockSkewMs !== null && Math.abs(s.clockSkewMs) >= 1_000 && (
                  <small className="muted block">
                    {t("screens.clockSkew", {
                      seconds: (Math.abs(s.clockSkewMs) / 1000).toFixed(1),
                    })}
                  </small>
                )}
              </td>
              <td>{s.memoryMb === null ? "—" : t("screens.mb", { mb: Math.round(s.memoryMb) })}</td>
              <td>
                <div className="cell-actions">
                  {canOperate && s.state === "active" && (
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={t("screens.manageNamed", { name: s.name })}
                      onClick={() => setManaged(s.id)}
                    >
                      {t("screens.manage")}
                    </button>
                  )}
                  {canOperate && s.state === "active" && (
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={t("screens.identifyNamed", { name: s.name })}
                      disabled={commandBusy}
                      onClick={() =>
                        void command(
                          s,
                          () => identifyScreen(s.id, IDENTIFY_SECONDS),
                          (tr) =>
                            tr("screens.identified", {
                              name: s.name,
                              code: identifyCodeOf(s.id),
                              n: IDENTIFY_SECONDS,
                            }),
                        )
                      }
                    >
                      {t("screens.identify")}
                    </button>
                  )}
                  {canOperate && s.state === "active" && reloading !== s.id && (
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={t("screens.reloadNamed", { name: s.name })}
                      onClick={() => {
                        setCommandError(null);
                        setReloading(s.id);
                      }}
                    >
                      {t("screens.reload")}
                    </button>
                  )}
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={t("screens.playsNamed", { name: s.name })}
                    aria-expanded={playsOf === s.id}
                    onClick={() => setPlaysOf(playsOf === s.id ? null : s.id)}
                  >
                    {t("screens.plays")}
                  </button>
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={t("screens.historyNamed", { name: s.name })}
                    aria-expanded={historyOf === s.id}
                    onClick={() => setHistoryOf(historyOf === s.id ? null : s.id)}
                  >
                    {t("screens.history")}
                  </button>
                  {canPicture && s.state === "active" && (
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={t("screenshot.openNamed", { name: s.name })}
                      aria-expanded={pictureOf === s.id}
                      onClick={() => setPictureOf(pictureOf === s.id ? null : s.id)}
                    >
                      {t("screenshot.open")}
                    </button>
                  )}
                </div>
                {reloading === s.id && (
                  <ConfirmGroup
                    label={t("screens.reloadConfirmLabel")}
                    question={t("screens.reloadConfirm", { name: s.name })}
                    yes={t("screens.reloadYes")}
                    no={t("common.cancel")}
                    busy={commandBusy}
                    small
                    onYes={() =>
                      void command(
                        s,
                        () => reloadScreen(s.id),
                        (tr) => tr("screens.reloaded", { name: s.name }),
                      )
                    }
                    onNo={() => setReloading(null)}
                  />
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      {playsScreen && (
        <PlayReportPanel
          key={playsScreen.id}
          title={t("screens.playsTitle", { name: playsScreen.name })}
          groupColumn={t("plays.content")}
          load={(range) => fetchScreenPlays(playsScreen.id, range)}
          playLabel={(p, labels) => labels.get(p.contentId) ?? p.contentId}
          fail={fail}
          onClose={() => setPlaysOf(null)}
        />
      )}
      {historyScreen && (
        <ScreenHistoryPanel
          key={historyScreen.id}
          screen={historyScreen}
          timeZone={historyZone ?? browserTimeZone()}
          zoneIsDistrict={historyZone !== undefined}
          fail={fail}
          onClose={() => setHistoryOf(null)}
        />
      )}
      {pictureScreen && (
        <ScreenshotPanel
          key={pictureScreen.id}
          screen={pictureScreen}
          fail={fail}
          onClose={() => setPictureOf(null)}
        />
      )}
      {managedScreen && managedScreen.state === "active" && (
        <ManagePanel
          key={managedScreen.id}
          screen={managedScreen}
          districts={districts}
          districtLabel={label}
          fail={fail}
          onDone={(text, closed) => {
            // The panel is gone with the screen it managed: the keyboard continues from the news.
            notices.announce(text, closed);
            if (closed) setManaged(null);
            void load();
          }}
          onClose={() => setManaged(null)}
        />
      )}
    </main>
  );
}

/**
 * Why a typed pairing code cannot be one, checked as the server does (PairingCodeSchema) but
 * said in the console's language; null when it may be.
 */
function codeProblem(typed: string): Message | null {
  const code = typed.replace(/[\s-]/g, "").toUpperCase();
  const wrong = [...new Set([...code].filter((c) => !PAIRING_ALPHABET.includes(c)))];
  if (wrong.length > 0) return (tr) => tr("screens.codeCharacters", { chars: wrong.join(" ") });
  if (code.length !== PAIRING_CODE_LENGTH)
    return (tr) => tr("screens.codeLength", { n: code.length });
  return null;
}

function ScreenState({ screen, t }: { screen: Screen; t: Translate }) {
  if (screen.state === "revoked")
    return <span className="badge muted">{t("screens.revoked")}</span>;
  return screen.online ? (
    <span className="badge online">{t("screens.online")}</span>
  ) : (
    <span className="badge offline">{t("screens.offline")}</span>
  );
}

/** Pairs a kiosk: the code it shows, a name and the district whose schedule it plays. */
function PairForm({
  districts,
  districtLabel,
  onPaired,
  fail,
}: {
  districts: readonly District[];
  districtLabel: (id: string) => string;
  onPaired: (screen: Screen) => void;
  fail: Fail;
}) {
  const { t } = useI18n();
  const [code, setCode] = useState("");
  const [name, setName] = useState("");
  const [districtId, setDistrictId] = useState("");
  const [location, setLocation] = useState("");
  const { error, busy, setError, send } = useFormSubmit<"code" | "name" | "district">(fail);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    if (code.trim() === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("screens.code") }),
        field: "code",
      });
    const problem = codeProblem(code);
    if (problem !== null) return setError({ text: problem, field: "code" });
    if (name.trim() === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("screens.name") }),
        field: "name",
      });
    if (districtId === "")
      return setError({
        text: (tr) => tr("error.required", { field: tr("common.district") }),
        field: "district",
      });
    await send(async () => {
      const screen = await pairScreen({ code, name, districtId, location });
      setCode("");
      setName("");
      setLocation("");
      onPaired(screen);
    });
  };

  return (
    <form onSubmit={(e) => void submit(e)} noValidate aria-labelledby="pair-heading">
      <h2 id="pair-heading">{t("screens.pairTitle")}</h2>
      <p className="hint">{t("screens.pairIntro")}</p>
      <FormAlert message={error?.text(t) ?? null} />
      <div className="row">
        <Field
          label={t("screens.code")}
          hint={t("screens.codeHint")}
          value={code}
          onChange={(e) => setCode(e.target.value)}
          autoComplete="off"
          spellCheck={false}
          maxLength={12}
          className="code-input"
          invalid={error?.field === "code"}
        />
        <Field
          label={t("screens.name")}
          value={name}
          onChange={(e) => setName(e.target.value)}
          maxLength={80}
          invalid={error?.field === "name"}
        />
      </div>
      <div className="row">
        <DistrictSelect
          label={t("common.district")}
          districts={districts}
          districtLabel={districtLabel}
          value={districtId}
          onChange={setDistrictId}
          emptyLabel={t("screens.pickDistrict")}
          invalid={error?.field === "district"}
        />
        <Field
          label={t("screens.location")}
          value={location}
          onChange={(e) => setLocation(e.target.value)}
          maxLength={200}
        />
      </div>
      <button type="submit" disabled={busy}>
        {busy ? t("screens.pairing") : t("screens.pair")}
      </button>
    </form>
  );
}

/** Rename, relocate, move or tag one screen; send it a new token; or unpair it (confirmed). */
function ManagePanel({
  screen,
  districts,
  districtLabel,
  fail,
  onDone,
  onClose,
}: {
  screen: Screen;
  districts: readonly District[];
  districtLabel: (id: string) => string;
  fail: Fail;
  /** Reports what was done; `closed` when the screen can no longer be managed (unpaired). */
  onDone: (notice: Notice, closed: boolean) => void;
  onClose: () => void;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [name, setName] = useState(screen.name);
  const [location, setLocation] = useState(screen.location);
  const [districtId, setDistrictId] = useState(screen.districtId);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [confirming, setConfirming] = useState(false);

  const act = async (work: () => Promise<Notice>, closes = false): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      onDone(await work(), closes);
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  };

  const save = (e: FormEvent): void => {
    e.preventDefault();
    void act(async () => {
      const s = await updateScreen(screen.id, {
        ...(name !== screen.name ? { name } : {}),
        ...(location !== screen.location ? { location } : {}),
        ...(districtId !== screen.districtId ? { districtId } : {}),
      });
      return (tr: Translate) =>
        tr("screens.saved", { name: s.name, district: districtLabel(s.districtId) });
    });
  };

  return (
    <section className="panel" aria-labelledby="manage-heading">
      <div className="section-head">
        <h2 id="manage-heading" ref={heading} tabIndex={-1}>
          {t("screens.manageTitle", { name: screen.name })}
        </h2>
        <button type="button" className="secondary small" onClick={onClose}>
          {t("screens.close")}
        </button>
      </div>
      <FormAlert message={error} />
      <form onSubmit={save} noValidate aria-label={t("screens.editForm")}>
        <div className="row">
          <Field
            label={t("screens.name")}
            value={name}
            onChange={(e) => setName(e.target.value)}
            maxLength={80}
          />
          <Field
            label={t("screens.location")}
            value={location}
            onChange={(e) => setLocation(e.target.value)}
            maxLength={200}
          />
        </div>
        <DistrictSelect
          label={t("screens.moveTo")}
          districts={districts}
          districtLabel={districtLabel}
          value={districtId}
          onChange={setDistrictId}
          emptyLabel={t("screens.pickDistrict")}
        />
        <button type="submit" disabled={busy}>
          {busy ? t("common.saving") : t("common.save")}
        </button>
      </form>
      <ScreenTagsEditor screen={screen} fail={fail} onSaved={(notice) => onDone(notice, false)} />
      <div className="actions">
        <div>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() =>
              void act(async () => {
                const s = await rotateScreenToken(screen.id);
                return (tr: Translate) => tr("screens.rotated", { name: s.name });
              })
            }
          >
            {t("screens.rotate")}
          </button>
          <p className="hint">{t("screens.rotateHint")}</p>
        </div>
        <div>
          {confirming ? (
            <ConfirmGroup
              label={t("screens.revokeConfirmLabel")}
              question={t("screens.revokeConfirm", { name: screen.name })}
              yes={t("screens.revokeYes")}
              no={t("common.cancel")}
              busy={busy}
              onYes={() =>
                void act(async () => {
                  const s = await revokeScreen(screen.id);
                  return (tr: Translate) => tr("screens.revokedNotice", { name: s.name });
                }, true)
              }
              onNo={() => setConfirming(false)}
            />
          ) : (
            <>
              <button type="button" className="danger" onClick={() => setConfirming(true)}>
                {t("screens.revoke")}
              </button>
              <p className="hint">{t("screens.revokeHint")}</p>
            </>
          )}
        </div>
      </div>
    </section>
  );
}
