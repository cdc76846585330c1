import type { Role, RoleGrant, UserView } from "../../../../shared/schemas/account";
import { AlertBell } from "../alerts/AlertBell";
import { mayAnywhere } from "../lib/access";
import { useI18n, type PlainMessageKey, type Translate } from "../lib/i18n";
import { LanguageSwitch } from "./LanguageSwitch";

/** The message naming each role. */
export const roleKeys: Record<Role, PlainMessageKey> = {
  admin: "role.admin",
  operator: "role.operator",
  moderator: "role.moderator",
};

/** "admin (whole city), operator (district zhongshan)" in the console's language. */
export function describeRoles(roles: readonly RoleGrant[], t: Translate): string {
  if (roles.length === 0) return t("role.none");
  return roles
    .map((g) =>
      t("role.grant", {
        role: t(roleKeys[g.role]),
        scope: g.scope === "*" ? t("scope.city") : t("scope.district", { id: g.scope }),
      }),
    )
    .join(", ");
}

/**
 * The bar on every page: the console's name and the language switch; once signed in also who
 * is signed in with which roles, the "Change password" link and "Sign out".
 */
export function ConsoleHeader({
  user,
  passwordLink,
  onSignOut,
  signingOut,
}: {
  user: UserView | null;
  passwordLink: boolean;
  onSignOut: (() => void) | null;
  signingOut: boolean;
}) {
  const { t } = useI18n();
  return (
    <header className="topbar">
      <p className="brand">{t("app.name")}</p>
      {user && (
        <div className="account">
          <p className="who">
            <span>{t("shell.user", { name: user.displayName })}</span>
            <span className="roles">
              {t("shell.roles", { roles: describeRoles(user.roles, t) })}
            </span>
          </p>
          {mayAnywhere(user, "alert.read") && !user.mustChangePassword && <AlertBell />}
          {passwordLink && <a href="#password">{t("shell.changePassword")}</a>}
          {onSignOut && (
            <button type="button" className="secondary" onClick={onSignOut} disabled={signingOut}>
              {signingOut ? t("shell.signingOut") : t("shell.signOut")}
            </button>
          )}
        </div>
      )}
      <LanguageSwitch />
    </header>
  );
}
