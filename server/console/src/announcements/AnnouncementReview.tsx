import { useState, type FormEvent } from "react";
import { may } from "../../../../shared/access/permissions";
import type { AnnouncementView } from "../../../../shared/schemas/announcement";
import { useI18n, type Message } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { useSession } from "../shell/SessionContext";
import { useDistricts } from "../shell/useDistricts";
import { FormAlert } from "../ui/FormAlert";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail } from "../ui/useFail";
import { useLoader } from "../ui/useLoader";
import { useNotice } from "../ui/useNotice";
import { AnnouncementPreview } from "./AnnouncementPreview";
import { isOwn, layoutKeys, posterText, targetText, windowText } from "./announcementLabels";
import {
  approveAnnouncement,
  confirmPoster,
  fetchAnnouncementViews,
  posterUrl,
  rejectAnnouncement,
} from "./announcementsApi";

/** How often the queue is fetched again regardless (faster while a poster is being checked). */
const REFRESH_MS = 30_000;
const POSTER_REFRESH_MS = 3_000;

/**
 * The announcements waiting for review, for the review page: each as the screens will show it
 * (both orientations), where and when it plays, its poster (a poster with faces shows its
 * covered rendition large, to be confirmed), and approve or reject with a reason. Whoever made
 * or changed one sees it without the buttons (four eyes).
 */
export function AnnouncementReview({ onChanged }: { onChanged?: () => void }) {
  const { t, language } = useI18n();
  const notices = useNotice();
  const fail = useFail();
  const [pending, setPending] = useState(false);
  const queue = useLoader(
    async () => {
      const items = await fetchAnnouncementViews("in_review");
      setPending(items.some((a) => ["queued", "processing"].includes(a.poster.status)));
      // The oldest first, as the entries' queue.
      return [...items].reverse();
    },
    fail,
    { live: ["announcements"], refreshMs: pending ? POSTER_REFRESH_MS : REFRESH_MS },
  );
  const { districts } = useDistricts();
  const label = (id: string) => districtLabel(districts, id, language);
  const items = queue.data;

  return (
    <section className="review-extra" aria-labelledby="ann-review-heading">
      <h2 id="ann-review-heading">{t("ann.reviewHeading", { n: items?.length ?? 0 })}</h2>
      <StatusNotice notices={notices} />
      {queue.error !== null && (
        <p className="error" role="alert">
          {queue.error}
        </p>
      )}
      {items === null ? (
        <p>{t("common.loading")}</p>
      ) : items.length === 0 ? (
        <p>{t("ann.reviewEmpty")}</p>
      ) : (
        items.map((a) => (
          <ReviewItem
            // A new revision is a new announcement to look at.
            key={`${a.id}:${a.revision}`}
            announcement={a}
            districtName={label}
            onDone={(said) => {
              notices.announce(said);
              void queue.reload();
              onChanged?.();
            }}
            onStale={() => void queue.reload()}
            languageTag={language}
          />
        ))
      )}
    </section>
  );
}

/** One announcement in review: what it shows, where and when, its poster, and the decision. */
function ReviewItem({
  announcement: a,
  districtName,
  onDone,
  onStale,
  languageTag,
}: {
  announcement: AnnouncementView;
  districtName: (id: string) => string;
  onDone: (said: Message) => void;
  onStale: () => void;
  languageTag: string;
}) {
  const { user } = useSession();
  const { t } = useI18n();
  const fail = useFail();
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [reason, setReason] = useState("");
  const [reasonMissing, setReasonMissing] = useState(false);
  const own = isOwn(a, user.id);
  const mayDecide =
    a.target.districtIds.length === 0
      ? may(user.roles, "announcement.approve", "*")
      : may(user.roles, "announcement.approve", a.target.districtIds);
  const headingId = `ann-review-${a.id}`;
  const posterReady = a.poster.status === "none" || a.poster.status === "done";
  const hash = a.poster.hash;

  const act = async (work: () => Promise<Message>): Promise<void> => {
    setError(null);
    setBusy(true);
    try {
      onDone(await work());
    } catch (err) {
      fail(err, setError);
      onStale();
    } finally {
      setBusy(false);
    }
  };

  const reject = (e: FormEvent): void => {
    e.preventDefault();
    if (reason.trim() === "") return setReasonMissing(true);
    setReasonMissing(false);
    void act(async () => {
      await rejectAnnouncement(a.id, a.revision, reason);
      return (tr) => tr("ann.rejected", { title: a.title });
    });
  };

  return (
    <article className="ann-review-item" aria-labelledby={headingId}>
      <h3 id={headingId} lang={a.language}>
        {a.title}
      </h3>
      {own && (
        <p className="notice" role="note">
          {t("ann.ownNote")}
        </p>
      )}
      <dl className="facts">
        <dt>{t("ann.where")}</dt>
        <dd>{targetText(a.target, districtName, t)}</dd>
        <dt>{t("ann.when")}</dt>
        <dd>{windowText(a, languageTag, t)}</dd>
        <dt>{t("ann.tags")}</dt>
        <dd>{a.tags.length === 0 ? "—" : a.tags.join(", ")}</dd>
        <dt>{t("ann.posterLegend")}</dt>
        <dd>
          {posterText(a, t)}
          {a.poster.status !== "none" && ` · ${t(layoutKeys[a.posterLayout])}`}
        </dd>
      </dl>
      <AnnouncementPreview
        label={t("ann.previewOf", { title: a.title })}
        content={{
          title: a.title,
          body: a.body,
          language: a.language,
          layout: a.posterLayout,
          posterSrc: a.poster.hash !== null ? posterUrl(a) : null,
        }}
      />
      <FormAlert message={error} />
      {a.poster.status === "needs_review" && hash !== null && (
        <figure>
          <figcaption>{t("ann.facesCoveredLook", { n: a.poster.faces })}</figcaption>
          <img
            className="ann-poster-large"
            src={posterUrl(a)}
            alt={t("ann.coveredPosterAlt", { title: a.title })}
          />
          {mayDecide && !own && (
            <div className="toolbar">
              <button
                type="button"
                disabled={busy}
                onClick={() =>
                  void act(async () => {
                    await confirmPoster(a.id, hash);
                    return (tr) => tr("ann.posterConfirmed", { title: a.title });
                  })
                }
              >
                {t("ann.confirmPoster")}
              </button>
            </div>
          )}
        </figure>
      )}
      {mayDecide && !own && (
        <div className="decide">
          <div>
            <button
              type="button"
              disabled={busy || !posterReady}
              aria-describedby={posterReady ? undefined : `${headingId}-poster`}
              onClick={() =>
                void act(async () => {
                  await approveAnnouncement(a);
                  return (tr) => tr("ann.approved", { title: a.title });
                })
              }
            >
              {t("ann.approve")}
            </button>
            {!posterReady && (
              <p className="hint" id={`${headingId}-poster`}>
                {t("ann.approveWaitsForPoster")}
              </p>
            )}
          </div>
          <form onSubmit={reject} noValidate aria-label={t("ann.rejectNamed", { title: a.title })}>
            <FormAlert
              message={reasonMissing ? t("error.required", { field: t("ann.rejectReason") }) : null}
            />
            <label>
              {t("ann.rejectReason")}
              <textarea
                value={reason}
                rows={2}
                maxLength={500}
                aria-invalid={reasonMissing || undefined}
                onChange={(e) => setReason(e.target.value)}
              />
            </label>
            <button type="submit" className="danger" disabled={busy}>
              {t("ann.reject")}
            </button>
          </form>
        </div>
      )}
    </article>
  );
}
