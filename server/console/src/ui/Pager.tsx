import { useState } from "react";

/** The cursors of the pages visited, newest last; the last one is the page shown. */
export function usePageCursors<C>() {
  // null: the first page.
  const [cursors, setCursors] = useState<(C | null)[]>([null]);
  return {
    /** The cursor of the page shown. */
    cursor: cursors[cursors.length - 1] ?? null,
    /** The number of the page shown, from 1. */
    page: cursors.length,
    /** Back to the first page (e.g. for a new filter). */
    reset: () => setCursors([null]),
    /** On to the page that starts at `next`. */
    forward: (next: C) => setCursors((c) => [...c, next]),
    /** Back to the page shown before. */
    back: () => setCursors((c) => (c.length > 1 ? c.slice(0, -1) : c)),
  };
}

/** The two buttons that page back and on through a list. */
export function Pager({
  backLabel,
  onLabel,
  canGoBack,
  canGoOn,
  onBack,
  onOn,
}: {
  backLabel: string;
  onLabel: string;
  canGoBack: boolean;
  canGoOn: boolean;
  onBack: () => void;
  onOn: () => void;
}) {
  return (
    <div className="pager">
      <button type="button" className="secondary" disabled={!canGoBack} onClick={onBack}>
        {backLabel}
      </button>
      <button type="button" className="secondary" disabled={!canGoOn} onClick={onOn}>
        {onLabel}
      </button>
    </div>
  );
}
