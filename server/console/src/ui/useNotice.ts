import { useCallback, useRef, useState, type RefObject } from "react";
import type { Translate } from "../lib/i18n";

/** A notice worded in whatever language the console shows. */
export type Notice = (t: Translate) => string;

/** The page's latest news, for a `StatusNotice`, and `announce` to change it. */
export interface Notices {
  notice: Notice | null;
  ref: RefObject<HTMLParagraphElement | null>;
  /** Shows a notice; `focus` moves the keyboard onto it (not while drawing with the mouse). */
  announce: (n: Notice, focus?: boolean) => void;
}

/** Holds the notice a page shows in its status line (see `StatusNotice`). */
export function useNotice(): Notices {
  const [notice, setNotice] = useState<Notice | null>(null);
  const ref = useRef<HTMLParagraphElement>(null);
  const announce = useCallback((n: Notice, focus = true) => {
    // Kept as a function of the language, so a switch re-words the last notice too.
    setNotice(() => n);
    // Let the notice render before the keyboard moves onto it.
    if (focus) window.setTimeout(() => ref.current?.focus(), 0);
  }, []);
  return { notice, ref, announce };
}
