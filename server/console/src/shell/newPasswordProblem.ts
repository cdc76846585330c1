import { PASSWORD_MIN_LENGTH } from "../../../../shared/schemas/account";

/**
 * What is wrong with a new password typed twice, as the server would also refuse it (the
 * message key), or null. Set-up and password change ask for a new password the same way.
 */
export function newPasswordProblem(
  password: string,
  repeat: string,
): "error.passwordTooShort" | "error.passwordMismatch" | null {
  if (password.length < PASSWORD_MIN_LENGTH) return "error.passwordTooShort";
  if (password !== repeat) return "error.passwordMismatch";
  return null;
}
