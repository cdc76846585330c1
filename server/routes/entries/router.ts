import { Router, type Request } from "express";
import { AppError } from "../../errors";
import { readMultipart } from "../../http/readMultipart";
import { validate } from "../../http/validate";
import { presentEntry } from "../../presenters/presentEntry";
import { presentEntryPage } from "../../presenters/presentEntryPage";
import { presentReviewItem } from "../../presenters/presentReviewItem";
import type { ReviewPage } from "../../../shared/schemas/reviewQueue";
import type { EntryIntake } from "../../services/EntryIntake";
import type { ProofOfPlay } from "../../services/ProofOfPlay";
import { PlayReportQuerySchema } from "../../../shared/schemas/proofOfPlay";
import type { EntryCatalog } from "../../services/EntryCatalog";
import type { Permission } from "../../../shared/access/permissions";
import {
  ApproveSchema,
  BulkApproveSchema,
  type BulkApproval,
  CoverAllSchema,
  CropSchema,
  RegionsSchema,
  RejectSchema,
  RevokeSchema,
} from "../../../shared/schemas/moderation";
import { principalOf } from "../../http/session";
import type { AccessPolicy } from "../../services/auth/AccessPolicy";
import type { UserPrincipal } from "../../services/auth/principal";
import type { EntryModeration } from "../../services/EntryModeration";
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
import { said } from "../../../shared/messages/errorMessages";

/** Largest photo accepted at intake. */
export const MAX_PHOTO_BYTES = 15 * 1024 * 1024;

async function readEntryRequest(req: Request): Promise<{ body: unknown; photo?: Buffer }> {
  if (!req.is("multipart/form-data")) return { body: req.body as unknown };
  const form = await readMultipart(req, {
    files: { photo: { maxBytes: MAX_PHOTO_BYTES } },
    fields: ["entry"],
  });
  const text = form.fields["entry"];
  if (text === undefined) throw new AppError(400, "bad_request", said("entry.formNeedsEntry"));
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new AppError(400, "bad_request", said("entry.entryFieldNotJson"));
  }
  const photo = form.files["photo"]?.bytes;
  return photo ? { body, photo } : { body };
}

/** The cursor of the page after `rows`; null when the page is not full (it was the last). */
function nextCursorOf(rows: readonly EntryRow[], limit: number): string | null {
  const last = rows.length === limit ? rows[rows.length - 1] : undefined;
  return last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null;
}

/**
 * /api/entries: create (JSON, or multipart with a photo), list with filters, read one, edit;
 * and moderation: review queue, approve, reject, bulk approve, revoke, face regions, raw photo.
 * Every route checks the user's roles over the entry's districts before anything else.
 */
export function entriesRouter(deps: {
  catalog: EntryCatalog;
  intake: EntryIntake;
  moderation: EntryModeration;
  access: AccessPolicy;
  plays: ProofOfPlay;
}): Router {
  const router = Router();
  const { access, catalog } = deps;

  /** Loads an entry's districts and refuses unless `p` may take `permission` over all of them. */
  const requireOver = async (
    p: UserPrincipal,
    permission: Permission,
    id: string,
  ): Promise<string[]> => {
    const districtIds = await catalog.districtsOf(id);
    if (!districtIds) throw new AppError(404, "not_found", said("entry.notFound", { id }));
    await access.requireDistricts(p, permission, districtIds);
    return districtIds;
  };

  router.get("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.read");
    const query = validate(ListEntriesQuerySchema, req.query, "query string");
    const visible = await access.visibleDistricts(p, "entry.read");
    const { rows, districts } = await catalog.page({
      limit: query.limit,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.state ? { state: query.state } : {}),
      ...(query.district ? { districtId: query.district } : {}),
      ...(query.q ? { q: query.q } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
      ...(visible === "all" ? {} : { withinDistricts: [...visible] }),
    });
    res.json(presentEntryPage(rows, districts, nextCursorOf(rows, query.limit)));
  });

  // Pending entries of the moderator's districts, oldest first, each with why it needs a look
  // and whether this moderator may act on it (four eyes).
  router.get("/review-queue", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.review");
    const query = validate(ReviewQueueQuerySchema, req.query, "query string");
    const visible = await access.visibleDistricts(p, "entry.review");
    const { rows, districts, facts } = await catalog.reviewQueue(
      {
        limit: query.limit,
        ...(query.kind ? { kind: query.kind } : {}),
        ...(query.district ? { districtId: query.district } : {}),
        ...(query.cursor ? { after: query.cursor } : {}),
        ...(visible === "all" ? {} : { withinDistricts: [...visible] }),
      },
      p.id,
    );
    const page = presentEntryPage(rows, districts, nextCursorOf(rows, query.limit));
    res.json({
      ...page,
      entries: page.entries.flatMap((entry) => {
        const f = facts.get(entry.id);
        return f ? [presentReviewItem(entry, f)] : [];
      }),
    } satisfies ReviewPage);
  });

  router.post("/bulk-approve", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.approve");
    const { entries } = validate(BulkApproveSchema, req.body, "bulk approval");
    const outcome = await deps.moderation.bulkApprove(p, entries, (id) =>
      requireOver(p, "entry.approve", id),
    );
    res.json(outcome satisfies BulkApproval);
  });

  /** Loads an entry the principal may read (a role over any of its districts). */
  const readable = async (req: Request) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.read");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const row = await catalog.get(id);
    if (!row) throw new AppError(404, "not_found", said("entry.notFound", { id }));
    const districtIds = (await catalog.districtsOf(id)) ?? [];
    if (!(await access.seesAny(p, "entry.read", districtIds)))
      throw new AppError(403, "forbidden", said("access.entryDistricts"));
    return { id, row, districtIds };
  };

  // Proof of play: on which screens, how often and how long this entry was shown.
  router.get("/:id/plays", async (req, res) => {
    const { id } = await readable(req);
    const q = validate(PlayReportQuerySchema, req.query, "query string");
    const visible = await access.visibleDistricts(principalOf(req), "entry.read");
    res.json({ entryId: id, report: await deps.plays.contentReport(id, q, visible) });
  });

  router.get("/:id", async (req, res) => {
    const { id, row, districtIds } = await readable(req);
    res.json({ entry: presentEntry(row, districtIds, await catalog.renditions(id)) });
  });

  router.post("/", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.create");
    const { body, photo } = await readEntryRequest(req);
    const input = validate(CreateEntrySchema, body, "entry");
    await access.requireDistricts(p, "entry.create", input.districtIds);
    const row = await deps.intake.create(input, photo, "manual", { type: "user", id: p.id });
    res.status(201).json({ entry: presentEntry(row, [...new Set(input.districtIds)].sort()) });
  });

  router.patch("/:id", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.edit");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    await requireOver(p, "entry.edit", id);
    const edit = validate(EntryEditSchema, req.body, "entry change");
    if (edit.districtIds) await access.requireDistricts(p, "entry.edit", edit.districtIds);
    const row = await deps.intake.edit(id, edit, { type: "user", id: p.id });
    res.json({ entry: presentEntry(row, (await catalog.districtsOf(id)) ?? []) });
  });

  router.post("/:id/approve", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.approve");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, "entry.approve", id);
    const { revision } = validate(ApproveSchema, req.body ?? {}, "approval");
    res.json({ entry: presentEntry(await deps.moderation.approve(p, id, revision), districtIds) });
  });

  router.post("/:id/reject", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.reject");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, "entry.reject", id);
    const { reason } = validate(RejectSchema, req.body, "rejection");
    res.json({ entry: presentEntry(await deps.moderation.reject(p, id, reason), districtIds) });
  });

  router.post("/:id/revoke", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.revoke");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, "entry.revoke", id);
    const input = validate(RevokeSchema, req.body, "revocation");
    res.json({ entry: presentEntry(await deps.moderation.revoke(p, id, input), districtIds) });
  });

  router.put("/:id/regions", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.redact");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, "entry.redact", id);
    const { regions } = validate(RegionsSchema, req.body, "regions");
    res.json({
      entry: presentEntry(await deps.moderation.setRegions(p, id, regions), districtIds),
    });
  });

  // Crops the photo to the listed person (null: the whole photo again); re-redacts it.
  router.put("/:id/crop", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.redact");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, "entry.redact", id);
    const { box } = validate(CropSchema, req.body, "crop");
    res.json({ entry: presentEntry(await deps.moderation.setCrop(p, id, box), districtIds) });
  });

  // Covers the whole photo, a moderator's last resort for a photo the machine cannot judge.
  router.put("/:id/cover-all", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.redact");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const districtIds = await requireOver(p, "entry.redact", id);
    const { on } = validate(CoverAllSchema, req.body, "cover whole photo");
    res.json({ entry: presentEntry(await deps.moderation.setCoverAll(p, id, on), districtIds) });
  });

  // The redacted rendition as the console shows it beside the original (what screens will show).
  router.get("/:id/renditions/:variant", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.read");
    const { id, variant } = validate(RenditionParamsSchema, req.params, "rendition");
    const row = await catalog.get(id);
    if (!row) throw new AppError(404, "not_found", said("entry.notFound", { id }));
    const districtIds = (await catalog.districtsOf(id)) ?? [];
    if (!(await access.seesAny(p, "entry.read", districtIds)))
      throw new AppError(403, "forbidden", said("access.entryDistricts"));
    // Erased with the listing (deleteRawData): gone for good, and said so, not "never made".
    if (row.state === "revoked" || row.state === "expired") {
      res.setHeader("Cache-Control", "no-store");
      throw new AppError(410, "gone", said("entry.renditionErased"));
    }
    const rendition = await catalog.renditionBytes(id, variant);
    if (!rendition) throw new AppError(404, "not_found", said("entry.noRendition", { variant }));
    res.setHeader("ETag", `"${rendition.hash}"`);
    // Stored by no browser: a redacted photo is erased with its entry, on every machine.
    res.setHeader("Cache-Control", "private, no-store");
    if (req.headers["if-none-match"] === `"${rendition.hash}"`) {
      res.status(304).end();
      return;
    }
    res.type(rendition.mime).send(rendition.bytes);
  });

  // The original photo, for a moderator deciding on regions: every view is audited, never cached.
  router.get("/:id/raw-photo", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.rawPhoto");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    await requireOver(p, "entry.rawPhoto", id);
    const bytes = await deps.moderation.rawPhoto(p, id);
    res.setHeader("Cache-Control", "no-store, private");
    res.setHeader("Content-Disposition", "inline");
    res.type(imageTypeOf(bytes)).send(bytes);
  });

  router.put("/:id/photo", async (req, res) => {
    const p = principalOf(req);
    access.requirePermission(p, "entry.edit");
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    await requireOver(p, "entry.edit", id);
    if (!req.is("multipart/form-data")) {
      throw new AppError(415, "unsupported_media_type", said("entry.photoNotMultipart"));
    }
    const form = await readMultipart(req, {
      files: { photo: { maxBytes: MAX_PHOTO_BYTES } },
      fields: [],
    });
    const photo = form.files["photo"];
    if (!photo) throw new AppError(400, "bad_request", said("entry.formNeedsPhoto"));
    const row = await deps.intake.replacePhoto(id, photo.bytes, { type: "user", id: p.id });
    res.json({ entry: presentEntry(row, (await catalog.districtsOf(id)) ?? []) });
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
