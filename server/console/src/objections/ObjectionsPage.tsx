import { useEffect, useId, useRef, useState, type FormEvent } from "react";
import type {
  ObjectionDetail,
  ObjectionState,
  ObjectionSummary,
} from "../../../../shared/schemas/objection";
import { stateKeys as entryStateKeys } from "../entries/entryLabels";
import { mayAnywhere } from "../lib/access";
import { useI18n, type PlainMessageKey } from "../lib/i18n";
import { useSession } from "../shell/SessionContext";
import { ConfirmGroup } from "../ui/ConfirmGroup";
import { DataTable } from "../ui/DataTable";
import { FormAlert } from "../ui/FormAlert";
import { SelectField } from "../ui/SelectField";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { useNotice } from "../ui/useNotice";
import {
  dismissObjection,
  fetchObjections,
  forwardObjection,
  objectionDocumentUrl,
  openObjection,
  suspendObjection,
} from "./objectionsApi";

/** The notices a decision announces (each names the objection's reference). */
type DecidedNotice = "objections.suspended" | "objections.dismissed" | "objections.forwarded";

const stateKeys: Record<ObjectionState, PlainMessageKey> = {
  received: "objections.state.received",
  suspended: "objections.state.suspended",
  dismissed: "objections.state.dismissed",
  forwarded: "objections.state.forwarded",
};

/**
 * The objections queue: what the public filed against the entries of the moderator's
 * districts, newest first, live. Opening one shows the objector's details (audited); a
 * moderator suspends the entry pending review (it leaves every screen), dismisses the
 * objection with a reason the objector reads, or marks it as forwarded to the court.
 */
export function ObjectionsPage() {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [filter, setFilter] = useState<ObjectionState | "">("");
  const [opened, setOpened] = useState<ObjectionDetail | null>(null);
  const [openError, setOpenError] = useState<string | null>(null);
  const notices = useNotice();
  const fail = useFail();
  const list = useLoader(() => fetchObjections(filter), fail, {
    deps: [filter],
    live: ["objections"],
  });
  const { data: objections, error: loadError, reload } = list;
  const time = (iso: string) => new Date(iso).toLocaleString(language);

  const open = async (o: ObjectionSummary): Promise<void> => {
    setOpenError(null);
    try {
      setOpened(await openObjection(o.id));
    } catch (err) {
      fail(err, setOpenError);
    }
  };

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("objections.title")}
      </h1>
      <p>{t("objections.intro")}</p>
      <SelectField<ObjectionState | "">
        label={t("objections.filter")}
        value={filter}
        onChange={setFilter}
        options={[
          ["", t("objections.filterAll")],
          ...(Object.keys(stateKeys) as ObjectionState[]).map((s) => [s, t(stateKeys[s])] as const),
        ]}
      />
      <StatusNotice notices={notices} />
      {opened && (
        <ObjectionPanel
          detail={opened}
          time={time}
          onClose={() => setOpened(null)}
          onDecided={(o, notice) => {
            setOpened({ ...opened, objection: o });
            notices.announce((tr) => tr(notice, { reference: o.reference }));
            void reload();
          }}
        />
      )}
      <h2>{t("objections.list", { count: objections?.length ?? 0 })}</h2>
      {loadError !== null && <p className="error">{loadError}</p>}
      <FormAlert message={openError} />
      {objections === null ? (
        <p>{t("common.loading")}</p>
      ) : objections.length === 0 ? (
        <p>{t("objections.none")}</p>
      ) : (
        <DataTable
          caption={t("objections.list", { count: objections.length })}
          columns={[
            t("objections.reference"),
            t("objections.entry"),
            t("objections.filed"),
            t("objections.state"),
            t("common.actions"),
          ]}
        >
          {objections.map((o) => (
            <tr key={o.id} aria-current={o.id === opened?.objection.id ? "true" : undefined}>
              <th scope="row" className="nowrap">
                {o.reference}
              </th>
              <td>
                {o.maskedName}
                <small className="muted block">{o.caseNumber}</small>
              </td>
              <td className="nowrap">{time(o.createdAt)}</td>
              <td>{t(stateKeys[o.state])}</td>
              <td>
                <button
                  type="button"
                  className="secondary small"
                  aria-label={t("objections.openNamed", { reference: o.reference })}
                  onClick={() => void open(o)}
                >
                  {t("objections.open")}
                </button>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </main>
  );
}

/** One opened objection: what the objector wrote, and the decisions its state still allows. */
function ObjectionPanel({
  detail,
  time,
  onClose,
  onDecided,
}: {
  detail: ObjectionDetail;
  time: (iso: string) => string;
  onClose: () => void;
  onDecided: (o: ObjectionSummary, notice: DecidedNotice) => void;
}) {
  const { t } = useI18n();
  const { user } = useSession();
  const fail = useFail();
  const { objection: o, sealed } = detail;
  const title = useRef<HTMLHeadingElement>(null);
  const reasonId = useId();
  const [confirming, setConfirming] = useState(false);
  const [reason, setReason] = useState("");
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const mayDecide = mayAnywhere(user, "objection.decide");
  const open = o.state === "received" || o.state === "suspended";

  useEffect(() => {
    title.current?.focus();
  }, [o.id]);

  const act = async (
    step: () => Promise<ObjectionSummary>,
    notice: DecidedNotice,
  ): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      const decided = await step();
      setConfirming(false);
      setReason("");
      onDecided(decided, notice);
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  };

  const dismiss = (e: FormEvent): void => {
    e.preventDefault();
    if (reason.trim() === "") {
      setError(t("error.required", { field: t("objections.dismissReason") }));
      return;
    }
    void act(() => dismissObjection(o.id, reason.trim()), "objections.dismissed");
  };

  return (
    <section className="panel" aria-labelledby="objection-heading" data-testid="objection-panel">
      <h2 id="objection-heading" ref={title} tabIndex={-1}>
        {t("objections.opened", { reference: o.reference })}
      </h2>
      <p>
        {o.maskedName} · {o.caseNumber} ·{" "}
        {t("objections.entryState", { state: t(entryStateKeys[o.entryState]) })}
      </p>
      <p>
        {t("objections.filed")}: {time(o.createdAt)} · {t("objections.state")}:{" "}
        <strong data-testid="objection-state">{t(stateKeys[o.state])}</strong>
      </p>
      {sealed === null ? (
        <p className="muted">{t("objections.erased")}</p>
      ) : (
        <dl>
          <dt>{t("objections.name")}</dt>
          <dd>{sealed.name}</dd>
          <dt>{t("objections.contact")}</dt>
          <dd>{sealed.contact}</dd>
          <dt>{t("objections.text")}</dt>
          <dd style={{ whiteSpace: "pre-wrap" }}>{sealed.text}</dd>
          <dt>{t("objections.document")}</dt>
          <dd>
            {sealed.document === null ? (
              t("objections.noDocument")
            ) : (
              <a href={objectionDocumentUrl(o.id)} download>
                {t("objections.documentDownload", {
                  mime: sealed.document.mime,
                  size: Math.max(1, Math.round(sealed.document.bytes / 1024)),
                })}
              </a>
            )}
          </dd>
        </dl>
      )}
      {o.reason !== null && (
        <p>
          {t("objections.reason")}: {o.reason}
        </p>
      )}
      <FormAlert message={error} />
      {mayDecide && open && (
        <>
          {o.state === "received" &&
            (confirming ? (
              <ConfirmGroup
                label={t("objections.suspendConfirmLabel")}
                question={t("objections.suspendConfirm", { entry: o.maskedName })}
                yes={t("objections.suspendYes")}
                no={t("common.cancel")}
                busy={busy}
                onYes={() => void act(() => suspendObjection(o.id), "objections.suspended")}
                onNo={() => setConfirming(false)}
              />
            ) : (
              <p>
                <button type="button" className="danger" onClick={() => setConfirming(true)}>
                  {t("objections.suspend")}
                </button>
              </p>
            ))}
          <form className="panel-form" onSubmit={dismiss} noValidate>
            <label htmlFor={reasonId}>{t("objections.dismissReason")}</label>
            <p className="hint" id={`${reasonId}-hint`}>
              {t("objections.dismissHint")}
            </p>
            <textarea
              id={reasonId}
              aria-describedby={`${reasonId}-hint`}
              value={reason}
              rows={3}
              maxLength={1000}
              onChange={(e) => setReason(e.target.value)}
            />
            <div className="toolbar">
              <button type="submit" className="secondary" disabled={busy}>
                {busy ? t("objections.working") : t("objections.dismiss")}
              </button>
              <button
                type="button"
                className="secondary"
                disabled={busy}
                onClick={() => void act(() => forwardObjection(o.id), "objections.forwarded")}
              >
                {t("objections.forward")}
              </button>
            </div>
          </form>
        </>
      )}
      <p>
        <button type="button" className="secondary small" onClick={onClose}>
          {t("objections.close")}
        </button>
      </p>
    </section>
  );
}
