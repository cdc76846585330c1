import { useCallback, useEffect, useMemo, useState } from "react";
import type { UserView } from "../../../../shared/schemas/account";
import type { Language } from "../../../../shared/schemas/announcement";
import { AnnouncementsPage } from "../announcements/AnnouncementsPage";
import { ApiPage } from "../api/ApiPage";
import { AuditPage } from "../audit/AuditPage";
import { EntriesPage } from "../entries/EntriesPage";
import { mayOpen, pageOfHash, type ShellPage } from "../lib/access";
import {
  fetchMe,
  fetchSetupNeeded,
  isSignedOut,
  needsPasswordChange,
  postLogout,
} from "../lib/api";
import { describeError } from "../lib/describeError";
import {
  I18nContext,
  initialLanguage,
  rememberLanguage,
  translator,
  type I18n,
  type PlainMessageKey,
  useI18n,
} from "../lib/i18n";
import { ObjectionsPage } from "../objections/ObjectionsPage";
import { ReleasesPage } from "../releases/ReleasesPage";
import { ReportPage } from "../reports/ReportPage";
import { ReviewPage } from "../review/ReviewPage";
import { EmergenciesPage } from "../schedules/EmergenciesPage";
import { SchedulesPage } from "../schedules/SchedulesPage";
import { ScreensPage } from "../screens/ScreensPage";
import { FormAlert } from "../ui/FormAlert";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { UsersPage } from "../users/UsersPage";
import { ChangePasswordPage } from "./ChangePasswordPage";
import { ConsoleHeader } from "./ConsoleHeader";
import { ConsoleNav, pageTitleKeys } from "./ConsoleNav";
import { DashboardPage } from "./DashboardPage";
import { SessionContext, useSession, type Session } from "./SessionContext";
import { SetupPage } from "./SetupPage";
import { SignInPage } from "./SignInPage";
import { DistrictsProvider } from "./useDistricts";

/** Where the console is: one state at a time, decided by the server's answers. */
type View =
  | { kind: "loading" }
  | { kind: "unreachable"; error: unknown }
  | { kind: "setup" }
  | { kind: "signIn"; notice: PlainMessageKey | null }
  | { kind: "forcedPasswordChange"; user: UserView }
  | { kind: "shell"; user: UserView };

/** The page the address names; without one, the overview (where sign-in lands). */
function shellPageOfHash(): ShellPage {
  return pageOfHash(location.hash) ?? "dashboard";
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
 * one-time password, and then the signed-in shell, which opens on the overview.
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
    // The next sign-in starts on the overview, not on whatever page was open.
    history.replaceState(null, "", location.pathname + location.search);
    setPage("dashboard");
    setView({ kind: "signIn", notice: "signIn.signedOut" });
  };

  const pageTitle =
    view.kind === "shell"
      ? t(mayOpen(view.user, page) ? pageTitleKeys[page] : "nav.notAllowedTitle")
      : t(pageTitles[view.kind]);
  useEffect(() => {
    document.documentElement.lang = language;
    document.title = `${pageTitle} · ${t("app.name")}`;
  }, [language, pageTitle, t]);

  const user = view.kind === "shell" || view.kind === "forcedPasswordChange" ? view.user : null;
  const session = useMemo<Session | null>(
    () => (user === null ? null : { user, onAuthFailure }),
    [user, onAuthFailure],
  );

  return (
    <I18nContext value={i18n}>
      {view.kind === "shell" && <SkipLink />}
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
      {session !== null && (
        <SessionContext value={session}>
          {/* Keyed by user: another user's session starts without the last one's districts. */}
          <DistrictsProvider key={session.user.id}>
            {view.kind === "forcedPasswordChange" && (
              <ChangePasswordPage forced onChanged={() => void start()} />
            )}
            {view.kind === "shell" && <ConsoleNav current={page} />}
            {view.kind === "shell" && (
              // Keyed by page, so every navigation mounts the page afresh and focuses its heading.
              <ShellPageView key={page} page={page} />
            )}
          </DistrictsProvider>
        </SessionContext>
      )}
    </I18nContext>
  );
}

/** One signed-in page, or a refusal when the user's roles do not reach it. */
function ShellPageView({ page }: { page: ShellPage }) {
  const { user } = useSession();
  if (!mayOpen(user, page)) return <NotAllowedPage />;
  switch (page) {
    case "password":
      return <ChangePasswordPage forced={false} onChanged={() => undefined} />;
    case "screens":
      return <ScreensPage />;
    case "entries":
      return <EntriesPage />;
    case "review":
      return <ReviewPage />;
    case "objections":
      return <ObjectionsPage />;
    case "users":
      return <UsersPage />;
    case "audit":
      return <AuditPage />;
    case "schedules":
      return <SchedulesPage />;
    case "emergencies":
      return <EmergenciesPage />;
    case "announcements":
      return <AnnouncementsPage />;
    case "releases":
      return <ReleasesPage />;
    case "reports":
      return <ReportPage />;
    case "api":
      return <ApiPage />;
    default:
      return <DashboardPage />;
  }
}

/**
 * The first stop of the keyboard: jumps past the header and navigation to the page heading
 * (a script jump, since "#..." in the address names the page).
 */
function SkipLink() {
  const { t } = useI18n();
  return (
    <a
      href="#main"
      className="skip-link"
      onClick={(e) => {
        e.preventDefault();
        document.querySelector<HTMLElement>("main h1")?.focus();
      }}
    >
      {t("app.skipToContent")}
    </a>
  );
}

/** Shown when the address names a page the user's roles do not open. */
function NotAllowedPage() {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        {t("nav.notAllowedTitle")}
      </h1>
      <p>{t("nav.notAllowed")}</p>
    </main>
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
