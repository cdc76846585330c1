import type { Kysely } from "kysely";
import { currentVersion } from "../store/changeLog";
import type { Database } from "../store/schema";
import { kioskNamespaces, type SignageIo } from "./io";

/**
 * Tells the screens connected to this process the newest change-log version, so every one
 * behind it syncs from the version it holds. Used when fan-out between processes (Redis) comes
 * back after a loss: a takedown pushed from another process meanwhile may never have arrived,
 * and the sync brings it. Screens already up to date ignore the notice.
 */
export async function catchUpKiosks(io: SignageIo, db: Kysely<Database>): Promise<void> {
  const version = await currentVersion(db);
  if (version === 0) return;
  // Local only: every process does this for its own screens when its own connection is back.
  for (const ns of kioskNamespaces(io)) ns.local.emit("content:changed", { version, ids: [] });
}
