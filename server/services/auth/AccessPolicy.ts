import type { Role } from "../../../shared/schemas/account";
import { AppError } from "../../errors";
import { holdsGlobally, scopesFor, type UserPrincipal } from "./principal";

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
function needed(roles: readonly Role[]): string {
  return roles.map((r) => roleNames[r]).join(" or ");
}

/**
 * Decides what a user may see and touch: a role over a district covers that district and its
 * sub-districts; "*" covers the whole tree. Roles are read fresh for every request, so a change
 * takes effect at once.
 */
export class AccessPolicy {
  constructor(private readonly tree: DistrictTree) {}

  /** Whether the user holds one of `roles` over `districtId` (directly or through an ancestor). */
  async holds(p: UserPrincipal, roles: readonly Role[], districtId: string): Promise<boolean> {
    if (holdsGlobally(p, roles)) return true;
    const scopes = new Set(scopesFor(p, roles));
    if (scopes.size === 0) return false;
    const chain = await this.tree.ancestry(districtId).catch(() => []);
    return chain.some((d) => scopes.has(d.id));
  }

  /** Refuses with 403 unless the user holds one of `roles` somewhere (the route's gate). */
  requireRole(p: UserPrincipal, roles: readonly Role[]): void {
    if (scopesFor(p, roles).length === 0)
      throw new AppError(403, "forbidden", `This needs ${needed(roles)}.`);
  }

  /** Refuses with 403 unless the user holds one of `roles` over the whole tree. */
  requireGlobal(p: UserPrincipal, roles: readonly Role[], what: string): void {
    if (!holdsGlobally(p, roles))
      throw new AppError(403, "forbidden", `${what} needs ${needed(roles)} of the whole city.`);
  }

  /** Refuses with 403 unless the user holds one of `roles` over every district named. */
  async requireDistricts(
    p: UserPrincipal,
    roles: readonly Role[],
    districtIds: readonly string[],
  ): Promise<void> {
    for (const id of new Set(districtIds)) {
      if (!(await this.holds(p, roles, id)))
        throw new AppError(403, "forbidden", `This needs ${needed(roles)} of district "${id}".`);
    }
  }

  /** The districts the user may see with one of `roles`: "all", or an explicit set. */
  async visibleDistricts(p: UserPrincipal, roles: readonly Role[]): Promise<"all" | Set<string>> {
    if (holdsGlobally(p, roles)) return "all";
    return new Set(await this.tree.subtreeIds(scopesFor(p, roles)));
  }

  /** Whether the user may see something shown in `districtIds` (any one of them suffices). */
  async seesAny(
    p: UserPrincipal,
    roles: readonly Role[],
    districtIds: readonly string[],
  ): Promise<boolean> {
    const visible = await this.visibleDistricts(p, roles);
    return visible === "all" || districtIds.some((d) => visible.has(d));
  }
}
