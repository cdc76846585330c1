import { z } from "zod";
import { DistrictIdSchema } from "./district";

/** The roles a console user can hold. */
export const RoleSchema = z.enum(["admin", "operator", "moderator"]);
/** A console role. */
export type Role = z.infer<typeof RoleSchema>;

/** "*" is the whole city tree; a district id covers that district and its sub-districts. */
export const ScopeSchema = z.union([z.literal("*"), DistrictIdSchema]);

/** One role over one scope. */
export const RoleGrantSchema = z.strictObject({ role: RoleSchema, scope: ScopeSchema });
/** One role over one scope. */
export type RoleGrant = z.infer<typeof RoleGrantSchema>;

/** An email address as the login name; compared in lower case. */
export const EmailSchema = z
  .email({ error: "Enter an email address." })
  .max(254)
  .transform((e) => e.toLowerCase());

/** The shortest password accepted. */
export const PASSWORD_MIN_LENGTH = 12;
/** The longest password accepted. */
export const PASSWORD_MAX_LENGTH = 256;

/** Password rules: long rather than clever (NIST SP 800-63B). */
export const NewPasswordSchema = z
  .string()
  .min(PASSWORD_MIN_LENGTH, `A password needs at least ${PASSWORD_MIN_LENGTH} characters.`)
  .max(PASSWORD_MAX_LENGTH, `A password can have at most ${PASSWORD_MAX_LENGTH} characters.`);

/** The sign-in form. The password is not checked for rules here: a wrong one is just wrong. */
export const LoginSchema = z.strictObject({
  email: z.string().trim().min(1, "Enter your email address.").max(254),
  password: z.string().min(1, "Enter your password.").max(256),
});
/** The sign-in form. */
export type LoginInput = z.infer<typeof LoginSchema>;

/** The first-run setup form: the first admin. */
export const SetupSchema = z.strictObject({
  /** The one-time set-up token the server printed in its log (and `signage setup-token` prints). */
  setupToken: z
    .string()
    .trim()
    .min(1, "Enter the set-up token printed in the server's log (or by signage setup-token).")
    .max(200),
  email: EmailSchema,
  displayName: z.string().trim().min(1).max(80),
  password: NewPasswordSchema,
});
/** The first-run setup form. */
export type SetupInput = z.infer<typeof SetupSchema>;

/** Changing one's own password. */
export const ChangePasswordSchema = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: NewPasswordSchema,
});

/** An admin creates a user; without a password a one-time password is generated and returned. */
export const CreateUserSchema = z.strictObject({
  email: EmailSchema,
  displayName: z.string().trim().min(1).max(80),
  roles: z.array(RoleGrantSchema).max(50).default([]),
  password: NewPasswordSchema.optional(),
});
/** An admin's new user. */
export type CreateUserInput = z.infer<typeof CreateUserSchema>;

/** An admin changes a user: name, roles (replaced as a whole), enabled or disabled. */
export const UpdateUserSchema = z
  .strictObject({
    displayName: z.string().trim().min(1).max(80).optional(),
    roles: z.array(RoleGrantSchema).max(50).optional(),
    disabled: z.boolean().optional(),
  })
  .refine((u) => Object.keys(u).length > 0, "Say what to change.");
/** An admin's change to a user. */
export type UpdateUserInput = z.infer<typeof UpdateUserSchema>;

/** A user as the console sees it (never the password hash). */
export const UserViewSchema = z.object({
  id: z.string(),
  email: z.string(),
  displayName: z.string(),
  roles: z.array(RoleGrantSchema),
  disabled: z.boolean(),
  mustChangePassword: z.boolean(),
  createdAt: z.string(),
});
/** A user as the console sees it. */
export type UserView = z.infer<typeof UserViewSchema>;

/** The answer of every route that answers one user (sign-in, set-up, me, user edits): `{ user }`. */
export const UserAnswerSchema = z.object({ user: UserViewSchema });
