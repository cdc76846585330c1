import { describe, expect, it } from "vitest";
import {
  may,
  permissionNames,
  permissions,
  rolesFor,
  scopesWith,
} from "../../../../shared/access/permissions";
import type { RoleGrant } from "../../../../shared/schemas/account";

const operatorOfA: RoleGrant[] = [{ role: "operator", scope: "a" }];
const moderatorOfA: RoleGrant[] = [{ role: "moderator", scope: "a" }];
const adminOfA: RoleGrant[] = [{ role: "admin", scope: "a" }];
const cityAdmin: RoleGrant[] = [{ role: "admin", scope: "*" }];
/** District "a1" lies in "a", which lies in the city "c". */
const a1 = ["a1", "a", "c"];
const b = ["b", "c"];

describe("the permission table", () => {
  it("gives every permission at least one role", () => {
    for (const p of permissionNames) expect(rolesFor(p).length).toBeGreaterThan(0);
    expect(permissionNames).toEqual(Object.keys(permissions));
  });

  it("lets moderators alone approve and operators alone create", () => {
    expect(may(moderatorOfA, "entry.approve")).toBe(true);
    expect(may(operatorOfA, "entry.approve")).toBe(false);
    expect(may(operatorOfA, "entry.create")).toBe(true);
    expect(may(moderatorOfA, "entry.create")).toBe(false);
    expect(may(operatorOfA, "entry.revoke") && may(moderatorOfA, "entry.revoke")).toBe(true);
  });

  it("lets an admin take every action an operator or a moderator may, but no one else manage users", () => {
    for (const p of permissionNames) expect(may(adminOfA, p)).toBe(true);
    expect(may(operatorOfA, "user.manage") || may(moderatorOfA, "user.manage")).toBe(false);
  });

  it("grants nothing to a user without roles", () => {
    for (const p of permissionNames) expect(may([], p)).toBe(false);
  });
});

describe("may, over a district or the whole city", () => {
  it("covers a district through a role over it or any district above it", () => {
    expect(may(operatorOfA, "entry.edit", a1)).toBe(true);
    expect(may(operatorOfA, "entry.edit", ["a", "c"])).toBe(true);
    expect(may(operatorOfA, "entry.edit", b)).toBe(false);
    expect(may(operatorOfA, "entry.edit", ["c"])).toBe(false);
  });

  it("needs the right role over that district, not just somewhere", () => {
    const mixed: RoleGrant[] = [
      { role: "moderator", scope: "a" },
      { role: "operator", scope: "b" },
    ];
    expect(may(mixed, "entry.edit")).toBe(true);
    expect(may(mixed, "entry.edit", a1)).toBe(false);
    expect(may(mixed, "entry.edit", b)).toBe(true);
  });

  it("counts only a role over the whole city as city-wide, and it covers every district", () => {
    expect(may(adminOfA, "audit.read", "*")).toBe(false);
    expect(may(cityAdmin, "audit.read", "*")).toBe(true);
    expect(may(cityAdmin, "entry.approve", b)).toBe(true);
    expect(may([{ role: "operator", scope: "*" }], "announcement.edit", "*")).toBe(true);
    expect(may([{ role: "moderator", scope: "*" }], "announcement.edit", "*")).toBe(false);
  });

  it("lists the scopes over which the grants carry a permission", () => {
    const grants: RoleGrant[] = [
      { role: "moderator", scope: "a" },
      { role: "operator", scope: "b" },
      { role: "admin", scope: "c" },
    ];
    expect(scopesWith(grants, "entry.approve")).toEqual(["a", "c"]);
    expect(scopesWith(grants, "entry.read")).toEqual(["a", "b", "c"]);
    expect(scopesWith(grants, "user.manage")).toEqual(["c"]);
  });
});
