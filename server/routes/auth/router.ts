import { Router } from "express";
import { ChangePasswordSchema, LoginSchema, SetupSchema } from "../../../shared/schemas/account";
import { AppError } from "../../errors";
import { clientAddressOf } from "../../http/publicUrl";
import { clearSessionCookie, principalOf, setSessionCookie } from "../../http/session";
import { validate } from "../../http/validate";
import type { UserAccounts } from "../../services/auth/UserAccounts";
import { said } from "../../../shared/messages/errorMessages";

/** What the auth routes need. */
export interface AuthRouterDeps {
  accounts: UserAccounts;
  /** Session cookies are Secure even over plain HTTP (TLS ends at an https reverse proxy). */
  secureCookies?: boolean;
}

/** /api/auth: sign in, sign out, who am I, change my password. */
export function authRouter(deps: AuthRouterDeps): Router {
  const router = Router();
  const secure = deps.secureCookies === true;

  router.post("/login", async (req, res) => {
    const input = validate(LoginSchema, req.body, "sign-in form");
    const { user, token } = await deps.accounts.login(input, clientAddressOf(req));
    setSessionCookie(req, res, token, secure);
    res.json({ user });
  });

  router.post("/logout", async (req, res) => {
    await deps.accounts.logout(principalOf(req));
    clearSessionCookie(req, res, secure);
    res.status(204).end();
  });

  router.get("/me", async (req, res) => {
    res.json({ user: await deps.accounts.get(principalOf(req).id) });
  });

  router.post("/password", async (req, res) => {
    const p = principalOf(req);
    const input = validate(ChangePasswordSchema, req.body, "password change");
    await deps.accounts.changePassword(p, input.currentPassword, input.newPassword);
    res.status(204).end();
  });

  return router;
}

/** The first-run set-up token as the set-up route sees it (see SetupToken). */
export interface SetupTokenCheck {
  /** Whether a token is the one the server printed. */
  matches(candidate: string): boolean;
  /** Set-up is done: the token goes. */
  remove(): void;
}

/**
 * /api/setup: the first admin, while no user exists, for whoever holds the one-time set-up token
 * the server printed in its log (`signage setup-token` prints it too). The network address
 * proves nothing: behind a reverse proxy every client looks local.
 */
export function setupRouter(
  deps: AuthRouterDeps & {
    /** Without it, set-up over HTTP is closed (use signage create-admin). */
    setupToken?: SetupTokenCheck;
  },
): Router {
  const router = Router();

  router.get("/", async (_req, res) => {
    res.json({ needed: await deps.accounts.setupNeeded() });
  });

  router.post("/", async (req, res) => {
    const { setupToken, ...admin } = validate(SetupSchema, req.body, "set-up form");
    if (!(await deps.accounts.setupNeeded()))
      throw new AppError(409, "conflict", said("auth.setupDone"));
    if (deps.setupToken?.matches(setupToken) !== true)
      throw new AppError(403, "setup_token_invalid", said("auth.setupTokenWrong"));
    await deps.accounts.setupFirstAdmin(admin, { type: "anonymous" });
    deps.setupToken.remove();
    const { user, token } = await deps.accounts.login(
      { email: admin.email, password: admin.password },
      clientAddressOf(req),
    );
    setSessionCookie(req, res, token, deps.secureCookies === true);
    res.status(201).json({ user });
  });

  return router;
}
