import { Router } from "express";
import { ChangePasswordSchema, LoginSchema, SetupSchema } from "../../../shared/schemas/account";
import { AppError } from "../../errors";
import { isLoopback } from "../../http/isLoopback";
import { clearSessionCookie, principalOf, setSessionCookie } from "../../http/session";
import { validate } from "../../http/validate";
import type { UserAccounts } from "../../services/auth/UserAccounts";

/** /api/auth: sign in, sign out, who am I, change my password. */
export function authRouter(deps: { accounts: UserAccounts }): Router {
  const router = Router();

  router.post("/login", async (req, res) => {
    const input = validate(LoginSchema, req.body, "sign-in form");
    const { user, token } = await deps.accounts.login(input, req.socket.remoteAddress ?? "unknown");
    setSessionCookie(req, res, token);
    res.json({ user });
  });

  router.post("/logout", async (req, res) => {
    await deps.accounts.logout(principalOf(req));
    clearSessionCookie(req, res);
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

/** /api/setup: the first admin, from this machine only, while no user exists. */
export function setupRouter(deps: { accounts: UserAccounts }): Router {
  const router = Router();

  router.get("/", async (_req, res) => {
    res.json({ needed: await deps.accounts.setupNeeded() });
  });

  router.post("/", async (req, res) => {
    if (!isLoopback(req.socket.remoteAddress))
      throw new AppError(
        403,
        "forbidden",
        "First-run set-up works only from the server machine itself (or use signage create-admin).",
      );
    const input = validate(SetupSchema, req.body, "set-up form");
    await deps.accounts.setupFirstAdmin(input, { type: "anonymous" });
    const { user, token } = await deps.accounts.login(
      { email: input.email, password: input.password },
      req.socket.remoteAddress ?? "unknown",
    );
    setSessionCookie(req, res, token);
    res.status(201).json({ user });
  });

  return router;
}
