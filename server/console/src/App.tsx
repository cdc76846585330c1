import { useCallback, useEffect, useMemo, useState } from "react";
import type { UserView } from "../../../shared/schemas/account";
import type { Language } from "../../../shared/schemas/announcement";
import { AnnouncementsPage } from "./AnnouncementsPage";
import { fetchMe, fetchSetupNeeded, isSignedOut, needsPasswordChange, postLogout } from "./api";
import { ChangePasswordPage } from "./ChangePasswordPage";
import { ConsoleHeader } from "./ConsoleHeader";
import { describeError } from "./describeError";
import { FormAlert } from "./FormAlert";
import {
  I18nContext,
  initialLanguage,
  rememberLanguage,
  translator,
  type I18n,
  type PlainMessageKey,
  useI18n,
} from "./i18n";
import { SetupPage } from "./SetupPage";
import { SignInPage } from "./SignInPage";
import { useFocusOnMount } from "./useFocusOnMount";

/** Where the console is: one state at a time, decided by the server's answers. */
type View =
  | { kind: "loading" }
  | { kind: "unreachable"; error: unknown }
  | { kind: "setup" }
  | { kind: "signIn"; notice: PlainMessageKey | null }
  | { kind: "forcedPasswordChange"; user: UserView }
  | { kind: "shell"; user: UserView };

/** The signed-in pages; "#password" in the address is the password page, so Back works. */
type ShellPage = "announcements" | "password";

function shellPageOfHash(): ShellPage {
  return location.hash === "#password" ? "password" : "announcements";
}

const pageTitles: Record<Exclude<View["kind"], "shell">, PlainMessageKey> = {
  loading: "app.loading",
  unreachable: "unreachable.title",
  setup: "setup.title",
  signIn: "signIn.title",
  forcedPasswordChange: "password.forcedTitle",
};

/**
 * The console: first-run set-up while no user exists, else sign-in, the forced change of a
 * one-time password, and then the signed-in shell around the announcements.
 */
export function App() {
  const [language, setLanguage] = useState<Language>(initialLanguage);
  const i18n = useMemo<I18n>(
    () => ({
      language,
      t: translator(language),
      setLanguage: (l) => {
        rememberLanguage(l);
        setLanguage(l);
      },
    }),
    [language],
  );
  const { t } = i18n;
  const [view, setView] = useState<View>({ kind: "loading" });
  const [page, setPage] = useState<ShellPage>(shellPageOfHash);
  const [signingOut, setSigningOut] = useState(false);
  const [shellError, setShellError] = useState<string | null>(null);

  useEffect(() => {
    const follow = () => setPage(shellPageOfHash());
    window.addEventListener("hashchange", follow);
    return () => window.removeEventListener("hashchange", follow);
  }, []);

  const enter = useCallback((user: UserView) => {
    setView(
      user.mustChangePassword ? { kind: "forcedPasswordChange", user } : { kind: "shell", user },
    );
  }, []);

  const start = useCallback(async (): Promise<void> => {
    setView({ kind: "loading" });
    try {
      if (await fetchSetupNeeded()) {
        setView({ kind: "setup" });
        return;
      }
      enter(await fetchMe());
    } catch (err) {
      setView(
        isSignedOut(err) ? { kind: "signIn", notice: null } : { kind: "unreachable", error: err },
      );
    }
  }, [enter]);

  useEffect(() => {
    void start();
  }, [start]);

  // A request refused because the session ended, or because the one-time password must go first.
  const onAuthFailure = useCallback(
    (err: unknown): boolean => {
      if (isSignedOut(err)) {
        setView({ kind: "signIn", notice: "signIn.sessionEnded" });
        return true;
      }
      if (needsPasswordChange(err)) {
        void start();
        return true;
      }
      return false;
    },
    [start],
  );

  const signOut = async (): Promise<void> => {
    setShellError(null);
    setSigningOut(true);
    try {
      await postLogout();
    } catch (err) {
      if (!isSignedOut(err)) {
        setShellError(describeError(err, t));
        setSigningOut(false);
        return;
      }
    }
    setSigningOut(false);
    // The next sign-in starts on the announcements, not on whatever page was open.
    history.replaceState(null, "", location.pathname + location.search);
    setPage("announcements");
    setView({ kind: "signIn", notice: "signIn.signedOut" });
  };

  const pageTitle =
    view.kind === "shell"
      ? t(page === "password" ? "password.title" : "announcements.title")
      : t(pageTitles[view.kind]);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = `${pageTitle} · ${t("app.name")}`;
  }, [language, pageTitle, t]);

  const user = view.kind === "shell" || view.kind === "forcedPasswordChange" ? view.user : null;

  return (
    <I18nContext value={i18n}>
      <ConsoleHeader
        user={user}
        passwordLink={view.kind === "shell" && page !== "password"}
        onSignOut={user ? () => void signOut() : null}
        signingOut={signingOut}
      />
      {shellError !== null && (
        <div className="shell-alert">
          <FormAlert message={shellError} />
        </div>
      )}
      {view.kind === "loading" && (
        <main id="main">
          <p role="status">{t("app.loading")}</p>
        </main>
      )}
      {view.kind === "unreachable" && (
        <UnreachablePage message={describeError(view.error, t)} onRetry={() => void start()} />
      )}
      {view.kind === "setup" && (
        <SetupPage
          onDone={enter}
          onAlreadySetUp={() => setView({ kind: "signIn", notice: "signIn.setupDone" })}
        />
      )}
      {view.kind === "signIn" && <SignInPage notice={view.notice} onSignedIn={enter} />}
      {view.kind === "forcedPasswordChange" && (
        <ChangePasswordPage
          user={view.user}
          forced
          onChanged={() => void start()}
          onAuthFailure={onAuthFailure}
        />
      )}
      {view.kind === "shell" &&
        (page === "password" ? (
          <ChangePasswordPage
            user={view.user}
            forced={false}
            onChanged={() => undefined}
            onAuthFailure={onAuthFailure}
          />
        ) : (
          <AnnouncementsPage onAuthFailure={onAuthFailure} />
        ))}
    </I18nContext>
  );
}

/** Shown when the first request got no usable answer. */
function UnreachablePage({ message, onRetry }: { message: string; onRetry: () => void }) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        {t("unreachable.title")}
      </h1>
      <p className="error">{message}</p>
      <button type="button" onClick={onRetry}>
        {t("unreachable.retry")}
      </button>
    </main>
  );
}
