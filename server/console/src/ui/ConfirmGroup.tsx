import type { ReactNode } from "react";
import { useFocusOnMount } from "./useFocusOnMount";

/**
 * Asks before a step that cannot be undone: a question, a "yes" button (which takes focus when
 * the group appears) and a "no" button.
 */
export function ConfirmGroup({
  label,
  question,
  yes,
  no,
  busy = false,
  small = false,
  onYes,
  onNo,
}: {
  /** The group's accessible name. */
  label: string;
  question: ReactNode;
  yes: string;
  no: string;
  /** Disables "yes" while the step runs. */
  busy?: boolean;
  small?: boolean;
  onYes: () => void;
  onNo: () => void;
}) {
  const yesButton = useFocusOnMount<HTMLButtonElement>();
  const size = small ? " small" : "";
  return (
    <div className="confirm" role="group" aria-label={label}>
      <p>{question}</p>
      <button
        ref={yesButton}
        type="button"
        className={`danger${size}`}
        disabled={busy}
        onClick={onYes}
      >
        {yes}
      </button>{" "}
      <button type="button" className={`secondary${size}`} onClick={onNo}>
        {no}
      </button>
    </div>
  );
}
