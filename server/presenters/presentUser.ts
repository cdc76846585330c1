import type { RoleGrant, UserView } from "../../shared/schemas/account";
import type { UserRow } from "../store/schema";

/** The one place that decides which user fields reach the console: never the password hash. */
export function presentUser(row: UserRow, roles: RoleGrant[]): UserView {
  return {
    id: row.id,
    email: row.email,
    displayName: row.display_name,
    roles,
    disabled: row.state === "disabled",
    mustChangePassword: row.must_change_password === 1,
    createdAt: row.created_at,
  };
}
