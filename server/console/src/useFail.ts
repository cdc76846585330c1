import { useCallback } from "react";
import { describeError } from "./describeError";
import { useI18n } from "./i18n";

/** Shows a failure's sentence somewhere, unless the session took it over (it signs out). */
export type Fail = (err: unknown, show: (text: string) => void) => void;

/**
 * The page's `fail`: a failure caused by the session goes to `onAuthFailure`; any other is
 * described in the console's language and handed to `show`.
 */
export function useFail(onAuthFailure: (err: unknown) => boolean): Fail {
  const { t } = useI18n();
  return useCallback(
    (err: unknown, show: (text: string) => void) => {
      if (!onAuthFailure(err)) show(describeError(err, t));
    },
    [onAuthFailure, t],
  );
}
