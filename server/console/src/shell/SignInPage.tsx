import { useState, type FormEvent } from "react";
import type { UserView } from "../../../../shared/schemas/account";
import { postLogin } from "../lib/api";
import { describeError } from "../lib/describeError";
import { useI18n, type PlainMessageKey } from "../lib/i18n";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { useFocusOnMount } from "../ui/useFocusOnMount";

/** Email and password; hands the signed-in user to the app. */
export function SignInPage({
  notice,
  onSignedIn,
}: {
  /** Why the user is here (signed out, session ended), shown above the form. */
  notice: PlainMessageKey | null;
  onSignedIn: (user: UserView) => void;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [busy, setBusy] = useState(false);
  // The reason for being here matters until the first attempt; then the outcome does.
  const [showNotice, setShowNotice] = useState(true);
  const [error, setError] = useState<{ text: string; field?: "email" | "password" } | null>(null);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    setShowNotice(false);
    if (email.trim() === "") {
      setError({ text: t("error.required", { field: t("field.email") }), field: "email" });
      return;
    }
    if (password === "") {
      setError({ text: t("error.required", { field: t("field.password") }), field: "password" });
      return;
    }
    setBusy(true);
    try {
      onSignedIn(await postLogin({ email, password }));
    } catch (err) {
      setError({ text: describeError(err, t) });
      setBusy(false);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        {t("signIn.title")}
      </h1>
      {notice !== null && showNotice && (
        <p role="status" className="notice">
          {t(notice)}
        </p>
      )}
      <form onSubmit={(e) => void submit(e)} noValidate>
        <FormAlert message={error?.text ?? null} />
        <Field
          label={t("field.email")}
          type="email"
          name="email"
          autoComplete="username"
          inputMode="email"
          spellCheck={false}
          required
          value={email}
          invalid={error?.field === "email"}
          onChange={(e) => setEmail(e.target.value)}
        />
        <Field
          label={t("field.password")}
          type="password"
          name="password"
          autoComplete="current-password"
          required
          value={password}
          invalid={error?.field === "password"}
          onChange={(e) => setPassword(e.target.value)}
        />
        <button type="submit" disabled={busy}>
          {busy ? t("signIn.busy") : t("signIn.submit")}
        </button>
      </form>
    </main>
  );
}
