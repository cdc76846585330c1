import { Router, type Request } from "express";
import type { Kysely } from "kysely";
import { AppError } from "../../errors";
import { readMultipart } from "../../http/readMultipart";
import { validate } from "../../http/validate";
import { presentEntry } from "../../presenters/presentEntry";
import type { EntryIntake } from "../../services/entryIntake";
import type { ProofOfPlay } from "../../services/proofOfPlay";
import { PlayReportQuerySchema } from "../../../shared/schemas/proofOfPlay";
import {
  districtsOf,
  getEntry,
  listEntries,
  parseRevisionChanges,
  redactionResultsOf,
  renditionBytes,
  renditionsOf,
} from "../../store/entries";
import type { Database } from "../../store/schema";
import type { Role } from "../../../shared/schemas/account";
import {
  ApproveSchema,
  BulkApproveSchema,
  CoverAllSchema,
  CropSchema,
  RegionsSchema,
  RejectSchema,
  RevokeSchema,
} from "../../../shared/schemas/moderation";
import { principalOf } from "../../http/session";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
import {
  attentionOf,
  fourEyesRefusal,
  isClean,
  staleRevision,
  type EntryModeration,
} from "../../services/entryModeration";
import type { EntryRow } from "../../store/schema";
import {
  RenditionParamsSchema,
  ReviewQueueQuerySchema,
  CreateEntrySchema,
  EntryEditSchema,
  EntryIdParamsSchema,
  ListEntriesQuerySchema,
  encodeCursor,
} from "./schema";

/** Largest photo accepted at intake. */
export const MAX_PHOTO_BYTES = 15 * 1024 * 1024;

async function readEntryRequest(req: Request): Promise<{ body: unknown; photo?: Buffer }> {
  if (!req.is("multipart/form-data")) return { body: req.body as unknown };
  const form = await readMultipart(req, {
    files: { photo: { maxBytes: MAX_PHOTO_BYTES } },
    fields: ["entry"],
  });
  const text = form.fields["entry"];
  if (text === undefined)
    throw new AppError(
      400,
      "bad_request",
      'The form needs an "entry" field holding the entry as JSON.',
    );
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError(400, "bad_request", 'The "entry" field is not valid JSON.');
  }
  const photo = form.files["photo"]?.bytes;
  return photo ? { body, photo } : { body };
}

const anyRole = ["operator", "moderator"] as const;

/** A page of entries as the console sees them, with the next page's cursor. */
async function presentPage(db: Kysely<Database>, rows: EntryRow[], limit: number) {
  const districts = await districtsOf(
    db,
    rows.map((r) => r.id),
  );
  const last = rows.length === limit ? rows[rows.length - 1] : undefined;
  return {
    entries: rows.map((r) => presentEntry(r, districts.get(r.id) ?? [])),
    nextCursor: last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
  };
}

/**
 * /api/entries: create (JSON, or multipart with a photo), list with filters, read one, edit;
 * and moderation: review queue, approve, reject, bulk approve, revoke, face regions, raw photo.
 * Every route checks the user's roles over the entry's districts before anything else.
 */
export function entriesRouter(deps: {
  db: Kysely<Database>;
  intake: EntryIntake;
  moderation: EntryModeration;
  access: AccessPolicy;
  plays: ProofOfPlay;
}): Router {
  const router = Router();
  const { access } = deps;

  /** Loads an entry's districts and refuses unless `p` holds one of `roles` over all of them. */
  const requireOver = async (
    p: UserPrincipal,
    roles: readonly Role[],
    id: string,
  ): Promise<string[]> => {
    const districtIds = (await districtsOf(deps.db, [id])).get(id);
    if (!districtIds) throw new AppError(404, "not_found", `No entry has the id ${id}.`);
    await access.requireDistricts(p, roles, districtIds);
    return districtIds;
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, anyRole);
    const query = validate(ListEntriesQuerySchema, req.query, "query string");
    const visible = await access.visibleDistricts(p, anyRole);
    const rows = await listEntries(deps.db, {
      limit: query.limit,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.state ? { state: query.state } : {}),
      ...(query.district ? { districtId: query.district } : {}),
      ...(query.q ? { q: query.q } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
      ...(visible === "all" ? {} : { withinDistricts: [...visible] }),
    });
    res.json(await presentPage(deps.db, rows, query.limit));
  });

  // Pending entries of the moderator's districts, oldest first, each with why it needs a look
  // and whether this moderator may act on it (four eyes).
  router.get("/review-queue", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["moderator"]);
    const query = validate(ReviewQueueQuerySchema, req.query, "query string");
    const visible = await access.visibleDistricts(p, ["moderator"]);
    const rows = await listEntries(deps.db, {
      limit: query.limit,
      state: "pending_review",
      oldestFirst: true,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.district ? { districtId: query.district } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
      ...(visible === "all" ? {} : { withinDistricts: [...visible] }),
    });
    const page = await presentPage(deps.db, rows, query.limit);
    const results = new Map(
      (
        await redactionResultsOf(
          deps.db,
          rows.map((r) => r.id),
        )
      ).map((r) => [r.entry_id, r]),
    );
    res.json({
      ...page,
      entries: page.entries.map((entry, i) => {
        const row = rows[i];
        const refusal = row ? fourEyesRefusal(row, p.id) : undefined;
        const result = results.get(entry.id);
        return {
          entry,
          attention: row ? attentionOf(row) : [],
          clean: row ? isClean(row) : false,
          // What the recent revisions changed, so the console can say what moved under it.
          recentChanges: row ? parseRevisionChanges(row.revision_changes_json) : [],
          actionable: refusal === undefined,
          ...(refusal ? { notActionableBecause: refusal } : {}),
          redaction: result
            ? {
                verdict: result.verdict,
                reason: result.reason,
                completedAt: result.completed_at,
                detail: JSON.parse(result.detail_json) as unknown,
              }
            : null,
        };
      }),
    });
  });

  router.post("/bulk-approve", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["moderator"]);
    const { entries } = validate(BulkApproveSchema, req.body, "bulk approval");
    const approved: string[] = [];
    const refused: { id: string; code: string; message: string }[] = [];
    const seen = new Set<string>();
    for (const { id, revision } of entries) {
      if (seen.has(id)) continue;
      seen.add(id);
      try {
        await requireOver(p, ["moderator"], id);
        const row = await getEntry(deps.db, id);
        if (row && Number(row.revision) !== revision) throw staleRevision(row, revision);
        if (row && !isClean(row)) {
          throw new AppError(
            409,
            "conflict",
            "Only clean entries (a verified photo with faces, nothing flagged) are approved in bulk; review this one alone.",
          );
        }
        await deps.moderation.approve(p, id, revision);
        approved.push(id);
      } catch (err) {
        if (!(err instanceof AppError)) throw err;
        refused.push({ id, code: err.code, message: err.message });
      }
    }
    res.json({ approved, refused });
  });

  /** Loads an entry the principal may read (a role over any of its districts). */
  const readable = async (req: Request) => {
    const p = principalOf(req);
    access.requireRole(p, anyRole);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const row = await getEntry(deps.db, id);
    if (!row) throw new AppError(404, "not_found", `No entry has the id ${id}.`);
    const districtIds = (await districtsOf(deps.db, [id])).get(id) ?? [];
    if (!(await access.seesAny(p, anyRole, districtIds)))
      throw new AppError(403, "forbidden", "This entry belongs to districts you do not hold.");
    return { id, row, districtIds };
  };

  // Proof of play: on which screens, how often and how long this entry was shown.
  router.get("/:id/plays", async (req, res) => {
    const { id } = await readable(req);
    const q = validate(PlayReportQuerySchema, req.query, "query string");
    const visible = await access.visibleDistricts(principalOf(req), anyRole);
    res.json({ entryId: id, report: await deps.plays.contentReport(id, q, visible) });
  });

  router.get("/:id", async (req, res) => {
    const { id, row, districtIds } = await readable(req);
    const renditions = await renditionsOf(deps.db, id);
    res.json({
      entry: presentEntry(
        row,
        districtIds,
        renditions.map((r) => ({ ...r, width: Number(r.width), height: Number(r.height) })),
      ),
    });
  });

  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["operator"]);
    const { body, photo } = await readEntryRequest(req);
    const input = validate(CreateEntrySchema, body, "entry");
    await access.requireDistricts(p, ["operator"], input.districtIds);
    const row = await deps.intake.create(input, photo, "manual", { type: "user", id: p.id });
    res.status(201).json({ entry: presentEntry(row, [...new Set(input.districtIds)].sort()) });
  });

  router.patch("/:id", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["operator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    await requireOver(p, ["operator"], id);
    const edit = validate(EntryEditSchema, req.body, "entry change");
    if (edit.districtIds) await access.requireDistricts(p, ["operator"], edit.districtIds);
    const row = await deps.intake.edit(id, edit, { type: "user", id: p.id });
    res.json({ entry: presentEntry(row, (await districtsOf(deps.db, [id])).get(id) ?? []) });
  });

  router.post("/:id/approve", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["moderator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, ["moderator"], id);
    const { revision } = validate(ApproveSchema, req.body ?? {}, "approval");
    res.json({ entry: presentEntry(await deps.moderation.approve(p, id, revision), districtIds) });
  });

  router.post("/:id/reject", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["moderator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, ["moderator"], id);
    const { reason } = validate(RejectSchema, req.body, "rejection");
    res.json({ entry: presentEntry(await deps.moderation.reject(p, id, reason), districtIds) });
  });

  router.post("/:id/revoke", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["operator", "moderator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, ["operator", "moderator"], id);
    const input = validate(RevokeSchema, req.body, "revocation");
    res.json({ entry: presentEntry(await deps.moderation.revoke(p, id, input), districtIds) });
  });

  router.put("/:id/regions", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["moderator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, ["moderator"], id);
    const { regions } = validate(RegionsSchema, req.body, "regions");
    res.json({
      entry: presentEntry(await deps.moderation.setRegions(p, id, regions), districtIds),
    });
  });

  // Crops the photo to the listed person (null: the whole photo again); re-redacts it.
  router.put("/:id/crop", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["moderator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, ["moderator"], id);
    const { box } = validate(CropSchema, req.body, "crop");
    res.json({ entry: presentEntry(await deps.moderation.setCrop(p, id, box), districtIds) });
  });

  // Covers the whole photo, a moderator's last resort for a photo the machine cannot judge.
  router.put("/:id/cover-all", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["moderator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, ["moderator"], id);
    const { on } = validate(CoverAllSchema, req.body, "cover whole photo");
    res.json({ entry: presentEntry(await deps.moderation.setCoverAll(p, id, on), districtIds) });
  });

  // The redacted rendition as the console shows it beside the original (what screens will show).
  router.get("/:id/renditions/:variant", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, anyRole);
    const { id, variant } = validate(RenditionParamsSchema, req.params, "rendition");
    const districtIds = (await districtsOf(deps.db, [id])).get(id);
    if (!districtIds) throw new AppError(404, "not_found", `No entry has the id ${id}.`);
    if (!(await access.seesAny(p, anyRole, districtIds)))
      throw new AppError(403, "forbidden", "This entry belongs to districts you do not hold.");
    const rendition = await renditionBytes(deps.db, id, variant);
    if (!rendition)
      throw new AppError(404, "not_found", `This entry has no verified ${variant} rendition.`);
    res.setHeader("ETag", `"${rendition.hash}"`);
    res.setHeader("Cache-Control", "private, no-cache");
    if (req.headers["if-none-match"] === `"${rendition.hash}"`) {
      res.status(304).end();
      return;
    }
    res.type(rendition.mime).send(rendition.bytes);
  });

  // The original photo, for a moderator deciding on regions: every view is audited, never cached.
  router.get("/:id/raw-photo", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["moderator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    await requireOver(p, ["moderator"], id);
    const bytes = await deps.moderation.rawPhoto(p, id);
    res.setHeader("Cache-Control", "no-store, private");
    res.setHeader("Content-Disposition", "inline");
    res.type(imageTypeOf(bytes)).send(bytes);
  });

  router.put("/:id/photo", async (req, res) => {
    const p = principalOf(req);
    access.requireRole(p, ["operator"]);
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    await requireOver(p, ["operator"], id);
    if (!req.is("multipart/form-data")) {
      throw new AppError(
        415,
        "unsupported_media_type",
        'Send the photo as multipart/form-data in a "photo" part.',
      );
    }
    const form = await readMultipart(req, {
      files: { photo: { maxBytes: MAX_PHOTO_BYTES } },
      fields: [],
    });
    const photo = form.files["photo"];
    if (!photo)
      throw new AppError(400, "bad_request", 'The form needs the new photo in a "photo" part.');
    const row = await deps.intake.replacePhoto(id, photo.bytes, { type: "user", id: p.id });
    res.json({ entry: presentEntry(row, (await districtsOf(deps.db, [id])).get(id) ?? []) });
  });

  return router;
}

/** The media type of a raw photo by its first bytes (it was checked by content at intake). */
function imageTypeOf(bytes: Buffer): string {
  if (bytes[0] === 0xff && bytes[1] === 0xd8) return "image/jpeg";
  if (bytes.subarray(0, 8).equals(Buffer.from([0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a])))
    return "image/png";
  if (bytes.toString("latin1", 0, 4) === "RIFF" && bytes.toString("latin1", 8, 12) === "WEBP")
    return "image/webp";
  const brand = bytes.toString("latin1", 8, 12);
  if (bytes.toString("latin1", 4, 8) === "ftyp")
    return brand.startsWith("avi") ? "image/avif" : "image/heic";
  return "application/octet-stream";
}
