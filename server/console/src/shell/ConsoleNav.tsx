import { mayOpen, shellPages, type ShellPage } from "../lib/access";
import { useI18n, type PlainMessageKey } from "../lib/i18n";
import { useSession } from "./SessionContext";

/** The pages the navigation lists; the password page is reached from the header instead. */
export const navPages: readonly ShellPage[] = shellPages.filter((p) => p !== "password");

/** Each page's name, also its heading. */
export const pageTitleKeys: Record<ShellPage, PlainMessageKey> = {
  dashboard: "dashboard.title",
  entries: "entries.title",
  review: "review.title",
  objections: "objections.title",
  screens: "screens.title",
  schedules: "schedules.title",
  emergencies: "emergency.title",
  users: "users.title",
  audit: "audit.title",
  announcements: "announcements.title",
  releases: "releases.title",
  reports: "reports.title",
  api: "api.title",
  password: "password.title",
};

/**
 * The list of signed-in pages the user's roles allow, as plain links to "#page" (so the
 * keyboard, Back and bookmarks work); the open page is marked with aria-current.
 */
export function ConsoleNav({ current }: { current: ShellPage }) {
  const { user } = useSession();
  const { t } = useI18n();
  const pages = navPages.filter((p) => mayOpen(user, p));
  if (pages.length === 0) return null;
  return (
    <nav className="pages" aria-label={t("nav.label")}>
      <ul>
        {pages.map((p) => (
          <li key={p}>
            <a href={`#${p}`} aria-current={p === current ? "page" : undefined}>
              {t(pageTitleKeys[p])}
            </a>
          </li>
        ))}
      </ul>
    </nav>
  );
}
