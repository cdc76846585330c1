import { Router, type Request } from "express";
import type { Kysely } from "kysely";
import { AppError } from "../../errors";
import { readMultipart } from "../../http/readMultipart";
import { validate } from "../../http/validate";
import { presentEntry } from "../../presenters/presentEntry";
import type { EntryIntake } from "../../services/entryIntake";
import { districtsOf, getEntry, listEntries, renditionsOf } from "../../store/entries";
import type { Database } from "../../store/schema";
import {
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

/** /api/entries: create (JSON, or multipart with a photo), list with filters, read one. */
export function entriesRouter(deps: { db: Kysely<Database>; intake: EntryIntake }): Router {
  const router = Router();

  router.get("/", async (req, res) => {
    const query = validate(ListEntriesQuerySchema, req.query, "query string");
    const rows = await listEntries(deps.db, {
      limit: query.limit,
      ...(query.kind ? { kind: query.kind } : {}),
      ...(query.state ? { state: query.state } : {}),
      ...(query.district ? { districtId: query.district } : {}),
      ...(query.q ? { q: query.q } : {}),
      ...(query.cursor ? { after: query.cursor } : {}),
    });
    const districts = await districtsOf(
      deps.db,
      rows.map((r) => r.id),
    );
    const last = rows.length === query.limit ? rows[rows.length - 1] : undefined;
    res.json({
      entries: rows.map((r) => presentEntry(r, districts.get(r.id) ?? [])),
      nextCursor: last ? encodeCursor({ createdAt: last.created_at, id: last.id }) : null,
    });
  });

  router.get("/:id", async (req, res) => {
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const row = await getEntry(deps.db, id);
    if (!row) throw new AppError(404, "not_found", `No entry has the id ${id}.`);
    const [districts, renditions] = [
      await districtsOf(deps.db, [id]),
      await renditionsOf(deps.db, id),
    ];
    res.json({
      entry: presentEntry(
        row,
        districts.get(id) ?? [],
        renditions.map((r) => ({ ...r, width: Number(r.width), height: Number(r.height) })),
      ),
    });
  });

  router.post("/", async (req, res) => {
    const { body, photo } = await readEntryRequest(req);
    const input = validate(CreateEntrySchema, body, "entry");
    const row = await deps.intake.create(input, photo, "manual");
    res.status(201).json({ entry: presentEntry(row, [...new Set(input.districtIds)].sort()) });
  });

  router.patch("/:id", async (req, res) => {
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
    const edit = validate(EntryEditSchema, req.body, "entry change");
    const row = await deps.intake.edit(id, edit);
    res.json({ entry: presentEntry(row, (await districtsOf(deps.db, [id])).get(id) ?? []) });
  });

  router.put("/:id/photo", async (req, res) => {
    const { id } = validate(EntryIdParamsSchema, req.params, "entry id");
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
    const row = await deps.intake.replacePhoto(id, photo.bytes);
    res.json({ entry: presentEntry(row, (await districtsOf(deps.db, [id])).get(id) ?? []) });
  });

  return router;
}
