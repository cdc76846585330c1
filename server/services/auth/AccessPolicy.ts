import { may, rolesFor, scopesWith, type Permission } from "../../../shared/access/permissions";
import type { Role } from "../../../shared/schemas/account";
import { AppError } from "../../errors";
import type { UserPrincipal } from "./principal";
import { said } from "../../../shared/messages/errorMessages";

/** Walks the district tree; implemented by DistrictRegistry. */
export interface DistrictTree {
  ancestry(id: string): Promise<{ id: string }[]>;
  subtreeIds(ids: readonly string[]): Promise<string[]>;
}

const roleNames: Record<Role, string> = {
  admin: "an admin",
  operator: "an operator",
  moderator: "a moderator",
};

/** Describes what a refusal needed, e.g. "an operator or a moderator". */
function needed(permission: Permission): string {
  return rolesFor(permission)
    .map((r) => roleNames[r])
    .join(" or ");
}

/**
 * Decides what a user may see and touch: a role over a district covers that district and its
 * sub-districts; "*" covers the whole tree. Which roles an action needs is the shared permission
 * table's to say. Roles are read fresh for every request, so a change takes effect at once.
 */
export class AccessPolicy {
  constructor(private readonly tree: DistrictTree) {}

  /** Whether the user may take `permission` over `districtId` (directly or through an ancestor). */
  async holds(p: UserPrincipal, permission: Permission, districtId: string): Promise<boolean> {
    if (may(p.roles, permission, "*")) return true;
    if (scopesWith(p.roles, permission).length === 0) return false;
    const chain = await this.tree.ancestry(districtId).catch(() => []);
    return may(
      p.roles,
      permission,
      chain.map((d) => d.id),
    );
  }

  /** Refuses with 403 unless the user may take `permission` somewhere (the route's gate). */
  requirePermission(p: UserPrincipal, permission: Permission): void {
    if (!may(p.roles, permission))
      throw new AppError(403, "forbidden", said("access.needsRole", { roles: needed(permission) }));
  }

  /** Refuses with 403 unless the user may take `permission` over the whole tree. */
  requireGlobal(p: UserPrincipal, permission: Permission, what: string): void {
    if (!may(p.roles, permission, "*"))
      throw new AppError(
        403,
        "forbidden",
        said("access.needsRoleCity", { what, roles: needed(permission) }),
      );
  }

  /** Refuses with 403 unless the user may take `permission` over every district named. */
  async requireDistricts(
    p: UserPrincipal,
    permission: Permission,
    districtIds: readonly string[],
  ): Promise<void> {
    for (const id of new Set(districtIds)) {
      if (!(await this.holds(p, permission, id)))
        throw new AppError(
          403,
          "forbidden",
          said("access.needsRoleDistrict", { roles: needed(permission), district: id }),
        );
    }
  }

  /** The districts where the user may take `permission`: "all", or an explicit set. */
  async visibleDistricts(p: UserPrincipal, permission: Permission): Promise<"all" | Set<string>> {
    if (may(p.roles, permission, "*")) return "all";
    return new Set(await this.tree.subtreeIds(scopesWith(p.roles, permission)));
  }

  /** Whether the user may see something shown in `districtIds` (any one of them suffices). */
  async seesAny(
    p: UserPrincipal,
    permission: Permission,
    districtIds: readonly string[],
  ): Promise<boolean> {
    const visible = await this.visibleDistricts(p, permission);
    return visible === "all" || districtIds.some((d) => visible.has(d));
  }
}
