import { useState, type FormEvent } from "react";
import {
  PASSWORD_MAX_LENGTH,
  PASSWORD_MIN_LENGTH,
  type UserView,
} from "../../../../shared/schemas/account";
import { ApiFailure, postSetup } from "../lib/api";
import { describeError } from "../lib/describeError";
import { useI18n } from "../lib/i18n";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { newPasswordProblem } from "./newPasswordProblem";

type SetupField = "setupToken" | "email" | "displayName" | "password" | "repeat";

/**
 * First run: creates the first admin, for whoever holds the set-up token the server printed in
 * its log, and signs them in.
 */
export function SetupPage({
  onDone,
  onAlreadySetUp,
}: {
  onDone: (user: UserView) => void;
  /** Someone else finished set-up first: sign in instead. */
  onAlreadySetUp: () => void;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [values, setValues] = useState<Record<SetupField, string>>({
    setupToken: "",
    email: "",
    displayName: "",
    password: "",
    repeat: "",
  });
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<{ text: string; field?: SetupField } | null>(null);

  const set = (field: SetupField) => (e: { target: { value: string } }) =>
    setValues((v) => ({ ...v, [field]: e.target.value }));

  /** The first problem the server would also refuse, said in the console's language. */
  const check = (): { text: string; field: SetupField } | null => {
    if (values.setupToken.trim() === "")
      return { text: t("error.required", { field: t("field.setupToken") }), field: "setupToken" };
    if (values.email.trim() === "")
      return { text: t("error.required", { field: t("field.email") }), field: "email" };
    if (values.displayName.trim() === "")
      return { text: t("error.required", { field: t("field.displayName") }), field: "displayName" };
    const problem = newPasswordProblem(values.password, values.repeat);
    if (problem === null) return null;
    return {
      text: t(problem),
      field: problem === "error.passwordTooShort" ? "password" : "repeat",
    };
  };

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    const problem = check();
    if (problem) {
      setError(problem);
      return;
    }
    setBusy(true);
    try {
      onDone(
        await postSetup({
          setupToken: values.setupToken.trim(),
          email: values.email.trim(),
          displayName: values.displayName.trim(),
          password: values.password,
        }),
      );
    } catch (err) {
      if (err instanceof ApiFailure && err.code === "conflict") {
        onAlreadySetUp();
        return;
      }
      setError({
        text: describeError(err, t),
        ...(err instanceof ApiFailure && err.code === "setup_token_invalid"
          ? { field: "setupToken" as const }
          : {}),
      });
      setBusy(false);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        {t("setup.title")}
      </h1>
      <p>{t("setup.intro")}</p>
      <p className="notice">{t("setup.tokenNotice")}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <FormAlert message={error?.text ?? null} />
        <Field
          label={t("field.setupToken")}
          hint={t("hint.setupToken")}
          name="setupToken"
          autoComplete="off"
          spellCheck={false}
          required
          maxLength={200}
          value={values.setupToken}
          invalid={error?.field === "setupToken"}
          onChange={set("setupToken")}
        />
        <Field
          label={t("field.email")}
          type="email"
          name="email"
          autoComplete="username"
          inputMode="email"
          spellCheck={false}
          required
          value={values.email}
          invalid={error?.field === "email"}
          onChange={set("email")}
        />
        <Field
          label={t("field.displayName")}
          hint={t("hint.displayName")}
          name="displayName"
          autoComplete="name"
          required
          maxLength={80}
          value={values.displayName}
          invalid={error?.field === "displayName"}
          onChange={set("displayName")}
        />
        <Field
          label={t("field.password")}
          hint={t("hint.newPassword")}
          type="password"
          name="password"
          autoComplete="new-password"
          required
          minLength={PASSWORD_MIN_LENGTH}
          maxLength={PASSWORD_MAX_LENGTH}
          value={values.password}
          invalid={error?.field === "password"}
          onChange={set("password")}
        />
        <Field
          label={t("field.passwordRepeat")}
          type="password"
          name="repeat"
          autoComplete="new-password"
          required
          value={values.repeat}
          invalid={error?.field === "repeat"}
          onChange={set("repeat")}
        />
        <button type="submit" disabled={busy}>
          {busy ? t("setup.busy") : t("setup.submit")}
        </button>
      </form>
    </main>
  );
}
