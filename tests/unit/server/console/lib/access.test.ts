import { describe, expect, it } from "vitest";
import { mayOpen, shellPages, type ShellPage } from "../../../../../server/console/src/lib/access";
import type { RoleGrant, UserView } from "../../../../../shared/schemas/account";

/** A console user holding `roles`. */
function user(roles: RoleGrant[]): UserView {
  return {
    id: "u",
    email: "u@example.test",
    displayName: "U",
    roles,
    disabled: false,
    mustChangePassword: false,
    createdAt: "2026-01-01T00:00:00Z",
  };
}

/** The pages `u` may open, in navigation order. */
const opens = (u: UserView): ShellPage[] => shellPages.filter((p) => mayOpen(u, p));

describe("which console pages a user may open", () => {
  it("shows a moderator the review queue and schedules (to approve idle slides), not emergencies or users", () => {
    expect(opens(user([{ role: "moderator", scope: "a" }]))).toEqual([
      "dashboard",
      "entries",
      "review",
      "objections",
      "screens",
      "schedules",
      "announcements",
      "reports",
      "api",
      "password",
    ]);
  });

  it("shows an operator schedules and emergencies but not the review queue", () => {
    expect(opens(user([{ role: "operator", scope: "a" }]))).toEqual([
      "dashboard",
      "entries",
      "screens",
      "schedules",
      "emergencies",
      "announcements",
      "reports",
      "api",
      "password",
    ]);
  });

  it("keeps the audit log for admins of the whole city", () => {
    expect(mayOpen(user([{ role: "admin", scope: "a" }]), "audit")).toBe(false);
    expect(opens(user([{ role: "admin", scope: "a" }]))).toContain("users");
    expect(opens(user([{ role: "admin", scope: "*" }]))).toEqual([...shellPages]);
  });

  it("leaves a user without roles only the password page and the public API description", () => {
    expect(opens(user([]))).toEqual(["api", "password"]);
  });
});
