import { Router } from "express";
import type { Logger } from "pino";
import { principalOf } from "../../http/session";
import { validate } from "../../http/validate";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import { writePlayExport, type ExportedPlay } from "../../services/playExport";
import type { PlayExportFilter } from "../../store/playExport";
import { PlayExportQuerySchema } from "./schema";

/** Without `from`, an export covers this long before its end (as the console's reports do). */
const DEFAULT_RANGE_MS = 7 * 24 * 3600_000;

/** /api/plays: proof of play exported, per district, screen, content and period. */
export function playsRouter(deps: {
  /** The plays a filter covers, in time order, read a page at a time. */
  readPlays: (filter: PlayExportFilter) => AsyncIterable<ExportedPlay>;
  access: AccessPolicy;
  /** Walks the district tree (a district's export covers its sub-districts). */
  registry: { subtreeIds(ids: readonly string[]): Promise<string[]> };
  log: Logger;
  now?: () => number;
}): Router {
  const router = Router();

  // Streamed: rows are read a page at a time and written as they come, never held whole.
  router.get("/export", async (req, res) => {
    const p = principalOf(req);
    deps.access.requirePermission(p, "play.export");
    const q = validate(PlayExportQuerySchema, req.query, "query string");
    // Only screens of the districts the caller may read; a district asked for must be one.
    const visible = await deps.access.visibleDistricts(p, "play.export");
    let districts: readonly string[] | null = visible === "all" ? null : [...visible];
    if (q.district !== undefined) {
      await deps.access.requireDistricts(p, "play.export", [q.district]);
      const subtree = await deps.registry.subtreeIds([q.district]);
      districts = visible === "all" ? subtree : subtree.filter((d) => visible.has(d));
    }
    const end = q.to === undefined ? null : Date.parse(q.to);
    const start =
      q.from === undefined
        ? (end ?? (deps.now ?? Date.now)()) - DEFAULT_RANGE_MS
        : Date.parse(q.from);
    const from = new Date(start).toISOString();
    const to = end === null ? null : new Date(end).toISOString();
    const stamp = (iso: string): string => iso.slice(0, 10);
    res.status(200);
    res.setHeader("Cache-Control", "no-store");
    res.setHeader(
      "Content-Disposition",
      `attachment; filename="plays-${stamp(from)}-${to === null ? "now" : stamp(to)}.${q.format}"`,
    );
    res.type(q.format === "csv" ? "text/csv; charset=utf-8" : "application/json; charset=utf-8");
    const plays = deps.readPlays({
      from,
      to,
      districts,
      ...(q.screen !== undefined ? { screenId: q.screen } : {}),
      ...(q.content !== undefined ? { contentId: q.content } : {}),
    });
    try {
      const count = await writePlayExport(res, plays, {
        format: q.format,
        bom: q.bom === "1" && q.format === "csv",
        from,
        to,
      });
      deps.log.info({ userId: p.id, plays: count, format: q.format }, "proof of play exported");
    } catch (err) {
      // The header is gone: the only honest signal left is a cut-off response.
      deps.log.error({ err, userId: p.id }, "proof-of-play export failed mid-stream");
      res.destroy(err instanceof Error ? err : new Error(String(err)));
    }
  });

  return router;
}
