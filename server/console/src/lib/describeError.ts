import { ApiFailure } from "./api";
import type { Translate } from "./i18n";

/**
 * The sentence to show for a failure: the server's own sentence as it was sent (it names the
 * field, or the seconds to wait), or the console's translated one when no answer came.
 */
export function describeError(err: unknown, t: Translate): string {
  if (err instanceof ApiFailure) {
    if (err.code === "network") return t("error.network");
    if (err.code === "bad_response") return t("error.badResponse");
    return err.message;
  }
  return err instanceof Error ? err.message : String(err);
}
