import { useI18n } from "../lib/i18n";
import type { Notices } from "./useNotice";

/** The page's status line: announced by screen readers, and focusable so the keyboard can land on it. */
export function StatusNotice({ notices }: { notices: Notices }) {
  const { t } = useI18n();
  return (
    <p role="status" className="ok" ref={notices.ref} tabIndex={-1}>
      {notices.notice?.(t)}
    </p>
  );
}
