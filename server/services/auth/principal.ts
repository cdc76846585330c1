import type { Role, RoleGrant } from "../../../shared/schemas/account";

/** A signed-in console user, as loaded fresh from the database for each request. */
export interface UserPrincipal {
  kind: "user";
  id: string;
  email: string;
  displayName: string;
  roles: RoleGrant[];
  mustChangePassword: boolean;
  /** SHA-256 of the session cookie, so the session can be ended. */
  sessionHash: string;
}

/** Whether a granted role carries a wanted one: an admin can do what operators and moderators do. */
export function roleSatisfies(granted: Role, wanted: Role): boolean {
  return granted === wanted || granted === "admin";
}

/** Whether the user holds one of `roles` over the whole tree. */
export function holdsGlobally(p: UserPrincipal, roles: readonly Role[]): boolean {
  return p.roles.some((g) => g.scope === "*" && roles.some((r) => roleSatisfies(g.role, r)));
}

/** The scopes over which the user holds one of `roles`. */
export function scopesFor(p: UserPrincipal, roles: readonly Role[]): string[] {
  return p.roles.filter((g) => roles.some((r) => roleSatisfies(g.role, r))).map((g) => g.scope);
}
