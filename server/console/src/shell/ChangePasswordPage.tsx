import { useState, type FormEvent } from "react";
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from "../../../../shared/schemas/account";
import { postPasswordChange } from "../lib/api";
import { describeError } from "../lib/describeError";
import { useI18n } from "../lib/i18n";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { newPasswordProblem } from "./newPasswordProblem";
import { useSession } from "./SessionContext";

type PasswordField = "current" | "next" | "repeat";

/**
 * Changes the user's own password. Forced after signing in with a one-time password (nothing
 * else works until then); otherwise reached from the header's "Change password" link.
 */
export function ChangePasswordPage({
  forced,
  onChanged,
}: {
  forced: boolean;
  onChanged: () => void;
}) {
  const { user, onAuthFailure } = useSession();
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [values, setValues] = useState<Record<PasswordField, string>>({
    current: "",
    next: "",
    repeat: "",
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field?: PasswordField } | null>(null);
  const [done, setDone] = useState(false);

  const set = (field: PasswordField) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));
  const currentLabel = forced ? t("field.oneTimePassword") : t("field.currentPassword");

  const check = (): { text: string; field: PasswordField } | null => {
    if (values.current === "")
      return { text: t("error.required", { field: currentLabel }), field: "current" };
    const problem = newPasswordProblem(values.next, values.repeat);
    if (problem === null) return null;
    return { text: t(problem), field: problem === "error.passwordTooShort" ? "next" : "repeat" };
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    setDone(false);
    const problem = check();
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    try {
      await postPasswordChange({ currentPassword: values.current, newPassword: values.next });
      setValues({ current: "", next: "", repeat: "" });
      setDone(true);
      onChanged();
    } catch (err) {
      if (!onAuthFailure(err)) setError({ text: describeError(err, t) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        {forced ? t("password.forcedTitle") : t("password.title")}
      </h1>
      {forced && <p className="notice">{t("password.forcedIntro")}</p>}
      <p>{t("password.intro")}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <FormAlert message={error?.text ?? null} />
        {/* Lets password managers file the new password under the right account. */}
        <input
          type="email"
          name="username"
          autoComplete="username"
          value={user.email}
          readOnly
          hidden
        />
        <Field
          label={currentLabel}
          type="password"
          name="currentPassword"
          autoComplete="current-password"
          required
          value={values.current}
          invalid={error?.field === "current"}
          onChange={set("current")}
        />
        <Field
          label={t("field.newPassword")}
          hint={t("hint.newPassword")}
          type="password"
          name="newPassword"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          maxLength={PASSWORD_MAX_LENGTH}
          value={values.next}
          invalid={error?.field === "next"}
          onChange={set("next")}
        />
        <Field
          label={t("field.newPasswordRepeat")}
          type="password"
          name="repeat"
          autoComplete="new-password"
          required
          value={values.repeat}
          invalid={error?.field === "repeat"}
          onChange={set("repeat")}
        />
        <button type="submit" disabled={busy}>
          {busy ? t("password.busy") : t("password.submit")}
        </button>
        {done && (
          <p role="status" className="ok">
            {t("password.changed")}
          </p>
        )}
      </form>
      {!forced && (
        <p>
          <a href="#">{t("password.back")}</a>
        </p>
      )}
    </main>
  );
}
