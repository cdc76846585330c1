import { ErrorCodeSchema } from "../../../../shared/schemas/apiError";
import {
  isErrorReason,
  reasonOfSentence,
  wordError,
  type ErrorParams,
} from "../../../../shared/messages/errorMessages";
import { ApiFailure } from "./api";
import { languageOf, type PlainMessageKey, type Translate } from "./i18n";

/**
 * The sentence to show for a failure, in the console's language. When no answer came, or the
 * answer made no sense, the console's own. In English, the console's own sentence for the
 * refusals a person must understand to go on (four eyes, a poster not ready, personal data),
 * else the server's sentence (it names the field, or the time to wait). In any other language,
 * never the server's English: a reason the server named and this console knows is worded from
 * the shared catalogue; without one, what the error code means.
 */
export function describeError(err: unknown, t: Translate): string {
  if (!(err instanceof ApiFailure)) return err instanceof Error ? err.message : String(err);
  if (err.code === "network") return t("error.network");
  if (err.code === "bad_response") return t("error.badResponse");
  const language = languageOf(t);
  if (language !== "en")
    return isErrorReason(err.reason)
      ? wordError(err.reason, err.params, language)
      : t(codeMessage(err.code));
  switch (err.code) {
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

/** The message saying what an error code means ("error.code.unknown" for one this console lacks). */
export function codeMessage(code: string): PlainMessageKey {
  const known = ErrorCodeSchema.safeParse(code);
  return known.success ? `error.code.${known.data}` : "error.code.unknown";
}

/**
 * A sentence the server stored in English (a redaction's or a poster's status reason) in the
 * console's language: worded by its catalogue reason when the catalogue holds it, else as stored.
 */
export function wordServerSentence(sentence: string, t: Translate): string {
  const language = languageOf(t);
  if (language === "en") return sentence;
  const worded = reasonOfSentence(sentence, "redaction");
  return worded ? wordError(worded.reason, worded.params, language) : sentence;
}

/**
 * One refusal inside an answer that succeeded (an entry a bulk approval skipped) in the console's
 * language, as describeError words a failed request.
 */
export function describeRefusal(
  refusal: { code: string; message: string; reason?: string; params?: ErrorParams },
  t: Translate,
): string {
  const language = languageOf(t);
  if (language === "en") return refusal.message;
  return isErrorReason(refusal.reason)
    ? wordError(refusal.reason, refusal.params ?? {}, language)
    : t(codeMessage(refusal.code));
}
