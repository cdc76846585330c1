import { may, type Permission } from "../../../../shared/access/permissions";
import type { UserView } from "../../../../shared/schemas/account";

// The console reads the server's own permission table: it only hides what the server refuses.

/** Whether the user may take `permission` over some district (or the whole city). */
export function mayAnywhere(user: UserView, permission: Permission): boolean {
  return may(user.roles, permission);
}

/** Whether the user may take `permission` over the whole city. */
export function mayCitywide(user: UserView, permission: Permission): boolean {
  return may(user.roles, permission, "*");
}

/** The signed-in pages, in the order the navigation lists them; "#<page>" in the address. */
export const shellPages = [
  "dashboard",
  "entries",
  "review",
  "objections",
  "screens",
  "schedules",
  "emergencies",
  "users",
  "audit",
  "announcements",
  "releases",
  "reports",
  "api",
  "password",
] as const;
/** A signed-in page. */
export type ShellPage = (typeof shellPages)[number];

/**
 * The permission that opens each page, and whether it must reach the whole city; null: every
 * signed-in user. A page needs the permission its main action or list needs on the server.
 */
export const pagePermissions: Record<
  ShellPage,
  { permission: Permission; citywide: boolean } | null
> = {
  dashboard: { permission: "entry.read", citywide: false },
  entries: { permission: "entry.read", citywide: false },
  review: { permission: "entry.review", citywide: false },
  objections: { permission: "objection.read", citywide: false },
  screens: { permission: "screen.read", citywide: false },
  // Operators change schedules; moderators read them and approve idle slides there.
  schedules: { permission: "district.read", citywide: false },
  emergencies: { permission: "emergency.raise", citywide: false },
  users: { permission: "user.manage", citywide: false },
  audit: { permission: "audit.read", citywide: true },
  announcements: { permission: "announcement.read", citywide: false },
  // Kiosk releases are the whole city's: admins of the city.
  releases: { permission: "release.read", citywide: true },
  reports: { permission: "report.read", citywide: false },
  // The API description is public; every signed-in user may browse it.
  api: null,
  password: null,
};

/** Whether the user's roles let them open a page (the server still checks each request). */
export function mayOpen(user: UserView, page: ShellPage): boolean {
  const needs = pagePermissions[page];
  if (needs === null) return true;
  return needs.citywide ? mayCitywide(user, needs.permission) : mayAnywhere(user, needs.permission);
}

/** The page an address names, or null when it names none ("" or "#"). */
export function pageOfHash(hash: string): ShellPage | null {
  const name = hash.replace(/^#/, "");
  return shellPages.find((p) => p === name) ?? null;
}
