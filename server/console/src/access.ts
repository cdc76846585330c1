import type { Role, UserView } from "../../../shared/schemas/account";

// Mirrors server/services/auth/principal.ts: the console only hides what the server refuses.

/** Whether a granted role carries a wanted one: an admin can do what operators and moderators do. */
function satisfies(granted: Role, wanted: Role): boolean {
  return granted === wanted || granted === "admin";
}

/** Whether the user holds one of `roles` over some district (or the whole city). */
export function holdsSomewhere(user: UserView, roles: readonly Role[]): boolean {
  return user.roles.some((g) => roles.some((r) => satisfies(g.role, r)));
}

/** Whether the user holds one of `roles` over the whole city. */
export function holdsGlobally(user: UserView, roles: readonly Role[]): boolean {
  return user.roles.some((g) => g.scope === "*" && roles.some((r) => satisfies(g.role, r)));
}

/** The signed-in pages, in the order the navigation lists them; "#<page>" in the address. */
export const shellPages = [
  "dashboard",
  "entries",
  "review",
  "screens",
  "schedules",
  "emergencies",
  "users",
  "audit",
  "announcements",
  "password",
] as const;
/** A signed-in page. */
export type ShellPage = (typeof shellPages)[number];

/** Whether the user's roles let them open a page (the server still checks each request). */
export function mayOpen(user: UserView, page: ShellPage): boolean {
  switch (page) {
    case "dashboard":
    case "entries":
    case "screens":
    case "announcements":
      return holdsSomewhere(user, ["operator", "moderator"]);
    case "review":
      return holdsSomewhere(user, ["moderator"]);
    case "schedules":
    case "emergencies":
      return holdsSomewhere(user, ["operator"]);
    case "users":
      return holdsSomewhere(user, ["admin"]);
    case "audit":
      return holdsGlobally(user, ["admin"]);
    case "password":
      return true;
  }
}

/** The page an address names, or null when it names none ("" or "#"). */
export function pageOfHash(hash: string): ShellPage | null {
  const name = hash.replace(/^#/, "");
  return shellPages.find((p) => p === name) ?? null;
}
