import { useCallback } from "react";
import { describeError } from "../lib/describeError";
import { useI18n } from "../lib/i18n";
import { useSession } from "../shell/SessionContext";

/** Shows a failure's sentence somewhere, unless the session took it over (it signs out). */
export type Fail = (err: unknown, show: (text: string) => void) => void;

/**
 * The page's `fail`: a failure caused by the session goes to the session's `onAuthFailure`;
 * any other is described in the console's language and handed to `show`.
 */
export function useFail(): Fail {
  const { t } = useI18n();
  const { onAuthFailure } = useSession();
  return useCallback(
    (err: unknown, show: (text: string) => void) => {
      if (!onAuthFailure(err)) show(describeError(err, t));
    },
    [onAuthFailure, t],
  );
}
