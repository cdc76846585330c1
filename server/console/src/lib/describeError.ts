import { ApiFailure } from "./api";
import type { Translate } from "./i18n";

/**
 * The sentence to show for a failure: for the refusals a person must understand to go on (four
 * eyes, a stale revision, a poster not ready, personal data, invalid input) the console's own in
 * its language, keeping the server's sentence as the detail where it names the field or what
 * changed; the server's sentence as it was sent for the rest (it names the field, or the
 * seconds to wait); the console's translated one when no answer came.
 */
export function describeError(err: unknown, t: Translate): string {
  if (err instanceof ApiFailure) {
    switch (err.code) {
      case "network":
        return t("error.network");
      case "bad_response":
        return t("error.badResponse");
      case "four_eyes":
        return t("error.fourEyes");
      case "stale_revision":
        return t("error.staleRevision", { detail: err.message });
      case "poster_not_ready":
        return t("error.posterNotReady");
      case "personal_data":
        return t("error.personalData", { detail: err.message });
      case "validation_failed":
        return t("error.validationFailed", { detail: err.message });
      default:
        return err.message;
    }
  }
  return err instanceof Error ? err.message : String(err);
}
