import { useEffect, useRef } from "react";
import type { ReviewItem } from "../../../../shared/schemas/reviewQueue";
import { useI18n } from "../lib/i18n";
import { renditionUrl } from "./reviewApi";
import "./bulkApprove.css";

/**
 * Asks before a bulk approval publishes: how many entries go out, and a glance at each as the
 * street will see it (the masked name and the redacted thumbnail), with Confirm and Cancel. A
 * modal dialog: nothing else on the page is reachable until it is answered.
 */
export function BulkApproveDialog({
  items,
  busy,
  onConfirm,
  onCancel,
}: {
  /** The entries to approve, as the moderator saw them when asking. */
  items: readonly ReviewItem[];
  busy: boolean;
  onConfirm: () => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const dialog = useRef<HTMLDialogElement>(null);
  const cancelRef = useRef(onCancel);
  useEffect(() => {
    cancelRef.current = onCancel;
  });

  useEffect(() => {
    const d = dialog.current;
    if (!d) return;
    d.showModal();
    // Escape closes a modal dialog by itself: the page hears of it as a cancel.
    const cancel = (e: Event): void => {
      e.preventDefault();
      cancelRef.current();
    };
    d.addEventListener("cancel", cancel);
    return () => {
      d.removeEventListener("cancel", cancel);
      d.close();
    };
  }, []);

  const n = items.length;
  return (
    <dialog ref={dialog} className="bulk-confirm" aria-labelledby="bulk-confirm-title">
      <h2 id="bulk-confirm-title">{t("review.bulkConfirmTitle", { n })}</h2>
      <p>{t("review.bulkConfirmIntro")}</p>
      <ul className="bulk-list" aria-label={t("review.bulkConfirmLabel")}>
        {items.map(({ entry: e }) => (
          <li key={e.id}>
            {/* A clean entry with a photo has its verified rendition (the queue lists no hashes). */}
            {e.hasPhoto && e.redactionStatus === "done" ? (
              <img
                src={renditionUrl(e, "thumb")}
                alt={t("review.bulkThumb", { name: e.maskedName })}
                width={48}
                height={64}
              />
            ) : (
              <span className="bulk-nophoto">{t("review.bulkNoPhoto")}</span>
            )}
            <span>
              <strong>{e.maskedName}</strong>
              <small className="muted block">{e.caseNumber}</small>
            </span>
          </li>
        ))}
      </ul>
      <div className="toolbar">
        <button type="button" className="danger" disabled={busy} onClick={onConfirm}>
          {t("review.bulkConfirmYes", { n })}
        </button>
        <button type="button" className="secondary" onClick={onCancel}>
          {t("common.cancel")}
        </button>
      </div>
    </dialog>
  );
}
