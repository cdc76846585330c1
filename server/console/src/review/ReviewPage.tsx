import {
  useCallback,
  useEffect,
  useEffectEvent,
  useRef,
  useState,
  type FormEvent,
  type RefObject,
} from "react";
import type { UserView } from "../../../../shared/schemas/account";
import type { EntryView } from "../../../../shared/schemas/entryView";
import type { Region } from "../../../../shared/schemas/moderation";
import type { ReviewItem } from "../../../../shared/schemas/reviewQueue";
import { attentionKeys, formatAmount, kindKeys, redactionKeys } from "../entries/entryLabels";
import { AnnouncementReview } from "../announcements/AnnouncementReview";
import { ApiFailure } from "../lib/api";
import { subscribeConsoleChanges } from "../lib/consoleSocket";
import { describeError } from "../lib/describeError";
import { useI18n, type Message, type Translate } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { useSession } from "../shell/SessionContext";
import { useDistricts } from "../shell/useDistricts";
import { ConfirmGroup } from "../ui/ConfirmGroup";
import { FormAlert } from "../ui/FormAlert";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { toCropped, toWhole } from "./cropFrame";
import { BulkApproveDialog } from "./BulkApproveDialog";
import { changedSince } from "./changedSince";
import { EmergencyReviewPanel } from "./EmergencyReviewPanel";
import { RegionEditor } from "./RegionEditor";
import {
  approveEntry,
  bulkApprove,
  fetchEntry,
  fetchRawPhoto,
  fetchReviewQueue,
  putCoverAll,
  putCrop,
  putRegions,
  rejectEntry,
  renditionUrl,
} from "./reviewApi";

/** A notice worded in whatever language the console shows. */
type Notice = { kind: "ok" | "error"; text: (t: Translate) => string };

/** How long to follow a re-redaction before giving up (it goes on in the background). */
const REDACTION_WAIT_MS = 120_000;

/** Whether a key press belongs to a text field or the region editor, not to the shortcuts. */
function typingIn(target: EventTarget | null): boolean {
  if (!(target instanceof HTMLElement)) return false;
  return (
    target.isContentEditable ||
    ["INPUT", "TEXTAREA", "SELECT"].includes(target.tagName) ||
    target.closest(".region-editor") !== null ||
    // The announcements and emergencies below have their own buttons; j/k/a/r act on entries.
    target.closest(".review-extra") !== null
  );
}

/** Why the four-eyes rule keeps this moderator off an entry, in the console's language. */
function fourEyesReason(item: ReviewItem, user: UserView, t: Translate): string {
  if (item.entry.createdBy === user.id) return t("review.ownCreated");
  if (item.entry.submittedBy === user.id) return t("review.ownSubmitted");
  return item.notActionableBecause ?? t("review.notActionable");
}

/**
 * The moderators' queue: each pending entry with its redacted image (what screens will show),
 * the audited original with a region editor, why it needs a look, and approve or reject;
 * clean entries can be approved together. Keys: j/k move, a approves, r rejects.
 */
export function ReviewPage() {
  const { onAuthFailure } = useSession();
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [items, setItems] = useState<ReviewItem[] | null>(null);
  const [selectedId, setSelectedId] = useState<string | null>(null);
  const [notice, setNotice] = useState<Notice | null>(null);
  const [busy, setBusy] = useState(false);
  const noticeRef = useRef<HTMLDivElement>(null);
  const listRef = useRef<HTMLOListElement>(null);
  const rejectRef = useRef<HTMLTextAreaElement>(null);
  // The revision of each entry when this moderator first saw it here (or last changed it).
  const seen = useRef(new Map<string, number>());
  // Entries whose photo treatment this moderator is saving and following: the server's word
  // that entries changed is their own change, so the queue waits until it settled to reload
  // (a reload meanwhile would rebuild the detail and call their own change news).
  const reworking = useRef(new Set<string>());
  const reloadAfterRework = useRef(false);

  const say = useCallback((n: Notice, focus = false) => {
    setNotice(n);
    if (focus) window.setTimeout(() => noticeRef.current?.focus(), 0);
  }, []);
  const fail = useCallback(
    (err: unknown) => {
      if (!onAuthFailure(err)) {
        const text = describeError(err, t);
        say({ kind: "error", text: () => text }, true);
      }
    },
    [onAuthFailure, say, t],
  );

  const load = useCallback(async (): Promise<ReviewItem[] | null> => {
    try {
      const queue = await fetchReviewQueue();
      for (const i of queue)
        if (!seen.current.has(i.entry.id)) seen.current.set(i.entry.id, i.entry.revision);
      setItems(queue);
      setSelectedId((id) =>
        id !== null && queue.some((i) => i.entry.id === id) ? id : (queue[0]?.entry.id ?? null),
      );
      return queue;
    } catch (err) {
      fail(err);
      return null;
    }
  }, [fail]);

  const { districts } = useDistricts(fail);
  // An Effect Event, so that a new `fail` (a language switch) loads nothing again.
  const loadOnce = useEffectEvent(() => void load());
  useEffect(() => {
    loadOnce();
    // Loaded once per visit; every action reloads the queue, and so does the server's word that
    // entries changed (a redaction settled, another moderator decided, an entry arrived).
    return subscribeConsoleChanges(["entries"], () => {
      if (reworking.current.size > 0) reloadAfterRework.current = true;
      else loadOnce();
    });
  }, []);

  const index = items?.findIndex((i) => i.entry.id === selectedId) ?? -1;
  const selected = index >= 0 ? (items?.[index] ?? null) : null;

  const select = useCallback(
    (to: number) => {
      const item = items?.[to];
      if (!item) return;
      // What was said about the last entry is not about this one.
      if (item.entry.id !== selectedId) setNotice(null);
      setSelectedId(item.entry.id);
      // Keep the keyboard on the list item, so the entry stays in view and is announced.
      window.setTimeout(
        () =>
          listRef.current?.querySelector<HTMLElement>(`[data-entry="${item.entry.id}"]`)?.focus(),
        0,
      );
    },
    [items, selectedId],
  );

  /** Runs one moderation action on the selected entry, reloads, and moves to the next one. */
  const act = useCallback(
    async (work: () => Promise<Notice>): Promise<void> => {
      if (busy) return;
      setBusy(true);
      try {
        const n = await work();
        const before = index;
        const queue = await load();
        say(n, true);
        const next = queue?.[Math.min(Math.max(before, 0), (queue?.length ?? 1) - 1)];
        setSelectedId(next?.entry.id ?? null);
      } catch (err) {
        fail(err);
      } finally {
        setBusy(false);
      }
    },
    [busy, index, load, say, fail],
  );

  const approve = useCallback(() => {
    if (!selected?.actionable) return;
    const e = selected.entry;
    void act(async () => {
      try {
        // The revision on screen: the server refuses if the entry changed since.
        await approveEntry(e.id, e.revision);
      } catch (err) {
        // Show what changed: the queue reloads with the entry as it is now.
        if (err instanceof ApiFailure && err.code === "stale_revision") await load();
        throw err;
      }
      return {
        kind: "ok",
        text: (tr) => tr("review.approved", { name: e.maskedName, case: e.caseNumber }),
      };
    });
  }, [selected, act, load]);

  useEffect(() => {
    const onKey = (e: globalThis.KeyboardEvent): void => {
      if (e.ctrlKey || e.metaKey || e.altKey || typingIn(e.target)) return;
      if (e.key === "j") select(Math.min(index + 1, (items?.length ?? 1) - 1));
      else if (e.key === "k") select(Math.max(index - 1, 0));
      else if (e.key === "a") approve();
      else if (e.key === "r" && selected?.actionable) {
        e.preventDefault();
        rejectRef.current?.focus();
      } else return;
    };
    window.addEventListener("keydown", onKey);
    return () => window.removeEventListener("keydown", onKey);
  }, [index, items, select, approve, selected]);

  const clean = (items ?? []).filter((i) => i.clean && i.actionable);
  // The entries the confirmation shows: exactly these go, at the revisions shown, even if the
  // queue reloads meanwhile.
  const [confirming, setConfirming] = useState<readonly ReviewItem[] | null>(null);
  const bulk = (chosen: readonly ReviewItem[]): void => {
    void act(async () => {
      const r = await bulkApprove(
        chosen.map((i) => ({ id: i.entry.id, revision: i.entry.revision })),
      );
      const refused = r.refused.map((x) => x.message).join(" ");
      return {
        kind: r.refused.length === 0 ? "ok" : "error",
        text: (tr) =>
          `${tr("review.bulkDone", { approved: r.approved.length, refused: r.refused.length })}${
            refused ? ` ${refused}` : ""
          }`,
      };
    });
  };

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("review.title")}
      </h1>
      <p className="hint" id="review-keys">
        {t("review.keys")}
      </p>
      <div className="toolbar">
        <button
          type="button"
          disabled={busy || clean.length === 0}
          aria-haspopup="dialog"
          onClick={() => setConfirming(clean)}
        >
          {t("review.bulk", { n: clean.length })}
        </button>
        <button type="button" className="secondary" onClick={() => void load()}>
          {t("common.refresh")}
        </button>
      </div>
      <div
        ref={noticeRef}
        tabIndex={-1}
        role={notice?.kind === "error" ? "alert" : "status"}
        className={notice ? `notice-line ${notice.kind}` : undefined}
      >
        {notice?.text(t)}
      </div>
      {confirming && (
        <BulkApproveDialog
          items={confirming}
          busy={busy}
          onConfirm={() => {
            // The outcome is said on the page's status line, which the closed dialog uncovers.
            setConfirming(null);
            bulk(confirming);
          }}
          onCancel={() => setConfirming(null)}
        />
      )}
      {/* Emergencies first: they are on the screens already, waiting for a second look. */}
      <div className="review-extra">
        <EmergencyReviewPanel />
      </div>
      {items === null ? (
        <p>{t("common.loading")}</p>
      ) : items.length === 0 ? (
        <p>{t("review.empty")}</p>
      ) : (
        <div className="review-layout">
          <nav aria-label={t("review.queue", { n: items.length })}>
            <h2>{t("review.queue", { n: items.length })}</h2>
            <ol className="queue" ref={listRef}>
              {items.map((i) => (
                <li key={i.entry.id}>
                  <button
                    type="button"
                    data-entry={i.entry.id}
                    aria-current={i.entry.id === selectedId ? "true" : undefined}
                    aria-describedby="review-keys"
                    onClick={() => setSelectedId(i.entry.id)}
                  >
                    <strong>{i.entry.maskedName}</strong>
                    <span className="block small-text">{i.entry.caseNumber}</span>
                    <span className="block small-text">
                      {changedSince(i, seen.current.get(i.entry.id) ?? i.entry.revision, t) !== null
                        ? `${t("review.tagChanged")} · `
                        : ""}
                      {!i.actionable
                        ? t("review.tagOwn")
                        : i.clean
                          ? t("review.tagClean")
                          : t("review.tagAttention", { n: i.attention.length })}
                    </span>
                  </button>
                </li>
              ))}
            </ol>
          </nav>
          {selected && (
            <ReviewDetail
              // A new revision is a new entry to look at: the detail shows it afresh.
              key={`${selected.entry.id}:${selected.entry.revision}`}
              item={selected}
              changed={changedSince(
                selected,
                seen.current.get(selected.entry.id) ?? selected.entry.revision,
                t,
              )}
              busy={busy}
              districtName={(id) => districtLabel(districts, id, language)}
              rejectRef={rejectRef}
              onApprove={approve}
              onReject={(reason) =>
                void act(async () => {
                  const e = selected.entry;
                  await rejectEntry(e.id, reason);
                  return {
                    kind: "ok",
                    text: (tr) => tr("review.rejected", { name: e.maskedName, case: e.caseNumber }),
                  };
                })
              }
              onReworking={(entryId, on) => {
                if (on) {
                  reworking.current.add(entryId);
                  return;
                }
                reworking.current.delete(entryId);
                if (reworking.current.size === 0 && reloadAfterRework.current) {
                  reloadAfterRework.current = false;
                  void load();
                }
              }}
              onRegionsSettled={(entry) => {
                // This moderator's own change is not news to them.
                seen.current.set(entry.id, entry.revision);
                void load();
                say(
                  entry.redactionStatus === "done"
                    ? { kind: "ok", text: (tr) => tr("review.rerendered") }
                    : {
                        kind: "error",
                        text: (tr) =>
                          tr("review.stillNeedsReview", {
                            status: tr(redactionKeys[entry.redactionStatus]),
                            reason: entry.redactionReason ?? "",
                          }),
                      },
                );
              }}
              fail={fail}
            />
          )}
        </div>
      )}
      <AnnouncementReview />
    </main>
  );
}

/** One entry in detail: facts, images, attention, four eyes, regions, approve and reject. */
function ReviewDetail({
  item,
  changed,
  busy,
  districtName,
  rejectRef,
  onApprove,
  onReject,
  onRegionsSettled,
  onReworking,
  fail,
}: {
  item: ReviewItem;
  /** What changed since this moderator first saw the entry, or null. */
  changed: string | null;
  busy: boolean;
  districtName: (id: string) => string;
  rejectRef: RefObject<HTMLTextAreaElement | null>;
  onApprove: () => void;
  onReject: (reason: string) => void;
  onRegionsSettled: (entry: EntryView) => void;
  /** A change of the photo's treatment starts (true) or has been followed to its end (false). */
  onReworking: (entryId: string, on: boolean) => void;
  fail: (err: unknown) => void;
}) {
  const { user } = useSession();
  const { t, language } = useI18n();
  const [entry, setEntry] = useState(item.entry);
  const [rawUrl, setRawUrl] = useState<string | null>(null);
  // Regions are edited on the whole photo; the server keeps them relative to the crop.
  const [regions, setRegions] = useState<Region[]>(
    item.entry.manualRegions.map((r) => toWhole(r, item.entry.crop)),
  );
  const [phase, setPhase] = useState<"idle" | "opening" | "saving" | "redacting">("idle");
  const [cropDraft, setCropDraft] = useState<Region | null>(null);
  const [cropping, setCropping] = useState(false);
  const [confirmCover, setConfirmCover] = useState(false);
  const [reason, setReason] = useState("");
  const [rejectError, setRejectError] = useState<Message | null>(null);
  const [imageBust, setImageBust] = useState(0);
  const e = entry;

  useEffect(() => () => void (rawUrl && URL.revokeObjectURL(rawUrl)), [rawUrl]);

  const openRaw = async (): Promise<void> => {
    setPhase("opening");
    try {
      setRawUrl(await fetchRawPhoto(e.id));
    } catch (err) {
      fail(err);
    } finally {
      setPhase("idle");
    }
  };

  /** Sends one change of the photo's treatment, then follows its re-redaction. */
  const rework = async (change: () => Promise<EntryView>): Promise<void> => {
    setPhase("saving");
    onReworking(e.id, true);
    try {
      let current = await change();
      setEntry(current);
      setPhase("redacting");
      const deadline = Date.now() + REDACTION_WAIT_MS;
      while (
        (current.redactionStatus === "queued" || current.redactionStatus === "processing") &&
        Date.now() < deadline
      ) {
        await new Promise((r) => setTimeout(r, 750));
        current = await fetchEntry(e.id);
      }
      setEntry(current);
      setImageBust((n) => n + 1);
      onRegionsSettled(current);
    } catch (err) {
      fail(err);
    } finally {
      setPhase("idle");
      onReworking(e.id, false);
    }
  };

  const saveRegions = (): Promise<void> =>
    rework(() =>
      putRegions(
        e.id,
        regions.flatMap((r) => toCropped(r, e.crop) ?? []),
      ),
    );

  const reject = (ev: FormEvent): void => {
    ev.preventDefault();
    if (reason.trim() === "") {
      setRejectError(
        () => (tr: Translate) => tr("error.required", { field: tr("review.rejectReason") }),
      );
      rejectRef.current?.focus();
      return;
    }
    setRejectError(null);
    onReject(reason);
  };

  const hasRendition = e.redactionStatus === "done";
  // An ended entry's photo (raw and redacted) was erased with its listing: none, not a broken one.
  const ended = e.state === "revoked" || e.state === "expired";
  return (
    <section className="review-detail" aria-labelledby="detail-heading">
      <h2 id="detail-heading">
        {e.maskedName} · {e.caseNumber}
      </h2>
      {!item.actionable && (
        <p className="notice" role="note">
          {fourEyesReason(item, user, t)}
        </p>
      )}
      {changed !== null && (
        <p className="notice" role="alert">
          {t("review.changedSinceSeen", { fields: changed })}
        </p>
      )}
      {item.attention.length > 0 && (
        <div className="attention">
          <h3>{t("review.attention")}</h3>
          <ul>
            {item.attention.map((a) => (
              <li key={a}>{t(attentionKeys[a])}</li>
            ))}
          </ul>
        </div>
      )}
      <dl className="facts">
        <dt>{t("entries.name")}</dt>
        {/* The full name is sealed on the server and never sent: the masked name is the record. */}
        <dd>{e.maskedName}</dd>
        <dt>{t("entries.kind")}</dt>
        <dd>{t(kindKeys[e.kind])}</dd>
        <dt>{t("entries.court")}</dt>
        <dd>{e.court}</dd>
        <dt>{t("entries.obligation")}</dt>
        <dd>{e.obligation || "—"}</dd>
        <dt>{t("review.amount")}</dt>
        <dd>{formatAmount(e.amountMinor, e.currency, language)}</dd>
        <dt>{t("entries.dates")}</dt>
        <dd>
          {e.listingDate} – {e.expiryDate}
        </dd>
        <dt>{t("entries.districts")}</dt>
        <dd>{e.districtIds.map(districtName).join(", ")}</dd>
        <dt>{t("entries.photo")}</dt>
        <dd>
          {t(redactionKeys[e.redactionStatus])}
          {e.redactionReason && <span className="muted"> — {e.redactionReason}</span>}
        </dd>
      </dl>

      {e.hasPhoto && !ended && (
        <div className="photos">
          <figure>
            <figcaption>{t("review.redacted")}</figcaption>
            {hasRendition ? (
              <img
                className="rendition"
                src={`${renditionUrl(e)}&n=${imageBust}`}
                alt={t("review.redactedAlt", { name: e.maskedName })}
                width={300}
                height={400}
              />
            ) : (
              <p className="no-image">{t("review.noRendition")}</p>
            )}
          </figure>
          <div className="original">
            <h3>{t("review.original")}</h3>
            {rawUrl === null ? (
              <>
                <p className="hint">{t("review.originalAudited")}</p>
                <button
                  type="button"
                  className="secondary"
                  disabled={phase !== "idle"}
                  onClick={() => void openRaw()}
                >
                  {phase === "opening" ? t("common.loading") : t("review.openOriginal")}
                </button>
              </>
            ) : cropping ? (
              <>
                <p className="hint">{t("review.cropHelp")}</p>
                <RegionEditor
                  src={rawUrl}
                  alt={t("review.originalAlt", { name: e.maskedName })}
                  regions={cropDraft ? [cropDraft] : []}
                  // One box: the last one drawn is the crop.
                  onChange={(boxes) => setCropDraft(boxes[boxes.length - 1] ?? null)}
                />
                <div className="toolbar">
                  <button
                    type="button"
                    disabled={phase !== "idle" || cropDraft === null}
                    onClick={() => {
                      const box = cropDraft;
                      if (!box) return;
                      setCropping(false);
                      void rework(() => putCrop(e.id, box));
                    }}
                  >
                    {t("review.cropTo")}
                  </button>
                  {e.crop && (
                    <button
                      type="button"
                      className="secondary"
                      disabled={phase !== "idle"}
                      onClick={() => {
                        setCropping(false);
                        void rework(() => putCrop(e.id, null));
                      }}
                    >
                      {t("review.cropRemove")}
                    </button>
                  )}
                  <button type="button" className="secondary" onClick={() => setCropping(false)}>
                    {t("review.cropCancel")}
                  </button>
                </div>
              </>
            ) : (
              <>
                <RegionEditor
                  src={rawUrl}
                  alt={t("review.originalAlt", { name: e.maskedName })}
                  regions={regions}
                  onChange={setRegions}
                />
                <div className="toolbar">
                  <button
                    type="button"
                    disabled={phase !== "idle"}
                    onClick={() => void saveRegions()}
                  >
                    {phase === "saving"
                      ? t("common.saving")
                      : phase === "redacting"
                        ? t("review.redacting")
                        : t("review.saveRegions")}
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    disabled={phase !== "idle"}
                    onClick={() => {
                      setCropDraft(e.crop);
                      setCropping(true);
                    }}
                  >
                    {t("review.cropStart")}
                  </button>
                  <button
                    type="button"
                    className="secondary"
                    onClick={() => {
                      setRawUrl(null);
                      setRegions(e.manualRegions.map((r) => toWhole(r, e.crop)));
                    }}
                  >
                    {t("review.closeOriginal")}
                  </button>
                </div>
                <p className="hint">{t("review.regionsNote")}</p>
              </>
            )}
            {e.crop && (
              <p className="hint">
                {t("review.croppedTo", {
                  w: Math.round(e.crop.width * 100),
                  h: Math.round(e.crop.height * 100),
                })}
              </p>
            )}
            <div className="toolbar">
              {e.coverAll ? (
                <>
                  <span>{t("review.coverAllOn")}</span>{" "}
                  <button
                    type="button"
                    className="secondary"
                    disabled={phase !== "idle"}
                    onClick={() => void rework(() => putCoverAll(e.id, false))}
                  >
                    {t("review.uncoverAll")}
                  </button>
                </>
              ) : confirmCover ? (
                <ConfirmGroup
                  label={t("review.coverAll")}
                  question={t("review.coverAllQuestion")}
                  yes={t("review.coverAllYes")}
                  no={t("review.cancel")}
                  busy={phase !== "idle"}
                  onYes={() => {
                    setConfirmCover(false);
                    void rework(() => putCoverAll(e.id, true));
                  }}
                  onNo={() => setConfirmCover(false)}
                />
              ) : (
                <button
                  type="button"
                  className="secondary"
                  disabled={phase !== "idle"}
                  onClick={() => setConfirmCover(true)}
                >
                  {t("review.coverAll")}
                </button>
              )}
            </div>
          </div>
        </div>
      )}

      {item.actionable && (
        <div className="decide">
          <button
            type="button"
            aria-keyshortcuts="a"
            disabled={busy || phase !== "idle"}
            onClick={onApprove}
          >
            {t("review.approve")}
          </button>
          <form onSubmit={reject} noValidate aria-label={t("review.rejectForm")}>
            <FormAlert message={rejectError?.(t) ?? null} />
            <label>
              {t("review.rejectReason")}
              <textarea
                ref={rejectRef}
                value={reason}
                onChange={(ev) => setReason(ev.target.value)}
                maxLength={500}
                rows={2}
                aria-keyshortcuts="r"
                aria-invalid={rejectError !== null || undefined}
              />
            </label>
            <button type="submit" className="danger" disabled={busy}>
              {t("review.reject")}
            </button>
          </form>
        </div>
      )}
    </section>
  );
}
