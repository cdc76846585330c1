import { z } from "zod";
import {
  UserAnswerSchema,
  UserViewSchema,
  type RoleGrant,
  type UpdateUserInput,
  type UserView,
} from "../../../../shared/schemas/account";
import { request } from "../lib/api";

/** The users this admin manages (the server filters by district). */
export async function fetchUsers(): Promise<UserView[]> {
  return (await request("/api/users", z.object({ users: z.array(UserViewSchema) }))).users;
}

/** Creates a user with a one-time password, which is answered once and never again. */
export async function createUser(input: {
  email: string;
  displayName: string;
  roles: RoleGrant[];
}): Promise<{ user: UserView; oneTimePassword: string }> {
  return request("/api/users", z.object({ user: UserViewSchema, oneTimePassword: z.string() }), {
    method: "POST",
    body: input,
  });
}

/** Changes a user's name, roles (replaced as a whole) or disabled state. */
export async function updateUser(id: string, input: UpdateUserInput): Promise<UserView> {
  return (await request(`/api/users/${id}`, UserAnswerSchema, { method: "PATCH", body: input }))
    .user;
}

/** Replaces a user's password with a new one-time password (answered once). */
export async function resetPassword(id: string): Promise<string> {
  return (
    await request(`/api/users/${id}/reset-password`, z.object({ oneTimePassword: z.string() }), {
      method: "POST",
    })
  ).oneTimePassword;
}
