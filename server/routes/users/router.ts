import { Router } from "express";
import { z } from "zod";
import {
  CreateUserSchema,
  UpdateUserSchema,
  type RoleGrant,
  type UserView,
} from "../../../shared/schemas/account";
import { may } from "../../../shared/access/permissions";
import { AppError } from "../../errors";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
import type { UserAccounts } from "../../services/auth/UserAccounts";
import { said } from "../../../shared/messages/errorMessages";

/** The path parameters of /api/users/:id. */
export const UserParamsSchema = z.object({ id: z.uuid("User ids are UUIDs.") });

/**
 * /api/users (admins): create, list, change roles, disable, reset passwords. An admin of a
 * district grants and manages roles only inside it; "*" needs an admin of the whole city.
 */
export function usersRouter(deps: { accounts: UserAccounts; access: AccessPolicy }): Router {
  const router = Router();
  const { access, accounts } = deps;

  /** Refuses unless `p` is an admin over every scope in `grants`. */
  const requireAdminOver = async (
    p: UserPrincipal,
    grants: readonly RoleGrant[],
  ): Promise<void> => {
    for (const g of grants) {
      if (g.scope === "*") access.requireGlobal(p, "user.manage", "A role over the whole city");
      else await access.requireDistricts(p, "user.manage", [g.scope]);
    }
  };
  /** Whether `p` manages `user`: admin over all the user's current scopes. */
  const manages = async (p: UserPrincipal, user: UserView): Promise<boolean> => {
    if (may(p.roles, "user.manage", "*")) return true;
    // A user with no roles belongs to no district: only a city admin manages them.
    if (user.roles.length === 0) return false;
    for (const g of user.roles)
      if (g.scope === "*" || !(await access.holds(p, "user.manage", g.scope))) return false;
    return true;
  };
  const managed = async (p: UserPrincipal, id: string): Promise<UserView> => {
    const user = await accounts.get(id);
    if (!(await manages(p, user)))
      throw new AppError(403, "forbidden", said("access.userOutsideDistricts"));
    return user;
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "user.manage");
    const users = await accounts.list();
    const visible: UserView[] = [];
    for (const u of users) if (await manages(p, u)) visible.push(u);
    res.json({ users: visible });
  });

  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "user.manage");
    const input = validate(CreateUserSchema, req.body, "new user");
    await requireAdminOver(p, input.roles);
    const created = await accounts.create(input, { type: "user", id: p.id });
    res.status(201).json(created);
  });

  router.get("/:id", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "user.manage");
    const { id } = validate(UserParamsSchema, req.params, "user id");
    res.json({ user: await managed(p, id) });
  });

  router.patch("/:id", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "user.manage");
    const { id } = validate(UserParamsSchema, req.params, "user id");
    const input = validate(UpdateUserSchema, req.body, "user change");
    await managed(p, id);
    if (input.roles) await requireAdminOver(p, input.roles);
    res.json({ user: await accounts.update(id, input, { type: "user", id: p.id }) });
  });

  router.post("/:id/reset-password", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "user.manage");
    const { id } = validate(UserParamsSchema, req.params, "user id");
    await managed(p, id);
    if (id === p.id) throw new AppError(409, "conflict", said("user.changeOwnPassword"));
    const oneTimePassword = await accounts.resetPassword(id, { type: "user", id: p.id });
    res.json({ oneTimePassword });
  });

  return router;
}
