import type { Role, RoleGrant } from "../schemas/account";

/**
 * Every action the server checks, with the roles that may take it. The server's access checks,
 * the console's pages and buttons and the authorization-matrix test all read this one table.
 * An admin may take every action (see `carries`), so admin is named only where no other role is.
 */
export const permissions = {
  /** List and read entries, their renditions and where they played. */
  "entry.read": ["operator", "moderator"],
  /** Create an entry by hand. */
  "entry.create": ["operator"],
  /** Import entries from a court export (the console form and `signage import`). */
  "entry.import": ["operator"],
  /** Edit an entry or replace its photo. */
  "entry.edit": ["operator"],
  /** See the review queue. */
  "entry.review": ["moderator"],
  /** Approve an entry, alone or in bulk. */
  "entry.approve": ["moderator"],
  /** Reject an entry. */
  "entry.reject": ["moderator"],
  /** Take an entry off the screens. */
  "entry.revoke": ["operator", "moderator"],
  /** Set the face regions, the crop or the whole-photo cover. */
  "entry.redact": ["moderator"],
  /** View the unredacted photo (audited). */
  "entry.rawPhoto": ["moderator"],
  /** List and read districts, their schedules and timelines. */
  "district.read": ["operator", "moderator"],
  /** Create or change a district (a city needs this over the whole city). */
  "district.manage": ["admin"],
  /**
   * Approve a district's contest line and emergency setting as seen (a second person: never
   * whoever saved them).
   */
  "district.approve": ["moderator"],
  /** Set or remove a district's schedule. */
  "schedule.edit": ["operator"],
  /** Approve a district's idle slide as seen (a second person: never whoever changed it). */
  "schedule.approve": ["moderator"],
  /** List and read screens, their timelines and plays. */
  "screen.read": ["operator", "moderator"],
  /** Pair a new screen into a district. */
  "screen.pair": ["operator"],
  /** Rename, move, revoke, identify, reload a screen or rotate its token. */
  "screen.manage": ["operator"],
  /** List emergencies. */
  "emergency.read": ["operator", "moderator"],
  /** Raise an emergency. */
  "emergency.raise": ["operator"],
  /** Clear an emergency. */
  "emergency.clear": ["operator"],
  /**
   * Review emergencies: confirm or pull one sent at once, approve one waiting for a second
   * person (a two-person city). Never the sender's own.
   */
  "emergency.review": ["moderator"],
  /** List announcements. */
  "announcement.read": ["operator", "moderator"],
  /**
   * Draft, edit and submit an announcement and upload its poster, over the districts it targets
   * (a city-wide one needs the whole city).
   */
  "announcement.edit": ["operator"],
  /** Approve an announcement for the screens, or reject it back to draft (never one's own). */
  "announcement.approve": ["moderator"],
  /** Withdraw an announcement from the screens (a takedown). */
  "announcement.withdraw": ["operator", "moderator"],
  /** See the objections filed against entries of one's districts. */
  "objection.read": ["moderator"],
  /** Decide an objection: suspend the entry, dismiss with a reason, mark forwarded to the court. */
  "objection.decide": ["moderator"],
  /** List takedowns. */
  "takedown.read": ["operator", "moderator"],
  /** Export proof of play. */
  "play.export": ["operator", "moderator"],
  /** Read a district's report: its screens' uptime, plays per content, takedown times. */
  "report.read": ["operator", "moderator"],
  /** Ask a screen for a picture of what it shows, and see the pictures (kept 24 hours). */
  "screen.screenshot": ["operator", "moderator"],
  /** See the kiosk app's releases and how far each has rolled out. */
  "release.read": ["admin"],
  /** Add a kiosk release, stage it to districts or tags, promote it or roll it back. */
  "release.manage": ["admin"],
  /** See the alerts of one's districts' screens (offline, takedown not acknowledged, …). */
  "alert.read": ["operator", "moderator"],
  /** See where alerts are sent and how the webhook's deliveries went. */
  "alert.webhook": ["admin"],
  /** List, create and change users and reset their passwords, inside one's own districts. */
  "user.manage": ["admin"],
  /** Read, verify and export the audit log (checked over the whole city). */
  "audit.read": ["admin"],
} as const satisfies Record<string, readonly Role[]>;

/** The name of an action the server checks. */
export type Permission = keyof typeof permissions;

/** Every permission, in the table's order. */
export const permissionNames = Object.keys(permissions) as Permission[];

/** The roles that may take `permission` (an admin may as well, though not listed). */
export function rolesFor(permission: Permission): readonly Role[] {
  return permissions[permission];
}

/** Whether a granted role carries a wanted one: an admin can do what operators and moderators do. */
export function carries(granted: Role, wanted: Role): boolean {
  return granted === wanted || granted === "admin";
}

/** The scopes ("*" or district ids) over which `grants` carry `permission`. */
export function scopesWith(grants: readonly RoleGrant[], permission: Permission): string[] {
  const wanted = rolesFor(permission);
  return grants.filter((g) => wanted.some((r) => carries(g.role, r))).map((g) => g.scope);
}

/**
 * Whether `grants` carry `permission`: anywhere (no `over`), over the whole city (`"*"`), or over
 * a district given as its ancestry, the district and every district above it (a role over any of
 * them covers it). The server walks the tree; this stays pure so the console and tests share it.
 */
export function may(
  grants: readonly RoleGrant[],
  permission: Permission,
  over?: "*" | readonly string[],
): boolean {
  const scopes = scopesWith(grants, permission);
  if (over === undefined) return scopes.length > 0;
  if (scopes.includes("*")) return true;
  return over !== "*" && over.some((id) => scopes.includes(id));
}
