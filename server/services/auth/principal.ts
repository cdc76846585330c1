import type { RoleGrant } from "../../../shared/schemas/account";

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
