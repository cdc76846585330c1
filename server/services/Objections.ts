import { randomBytes, randomUUID } from "node:crypto";
import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import type { ConsoleTopic } from "../../shared/schemas/consoleChanged";
import type {
  ObjectionDetail,
  ObjectionFiling,
  ObjectionReceipt,
  ObjectionState,
  ObjectionStatus,
  ObjectionSummary,
} from "../../shared/schemas/objection";
import { refusePersonalDataInReason } from "./reasonRefusal";
import { refuseEntryPersonalDataInReason } from "./EntryModeration";
import { AppError, RateLimitedError } from "../errors";
import { presentObjection, presentObjectionStatus } from "../presenters/presentObjection";
import { districtsOf, getEntry, updateEntryInState } from "../store/entries";
import {
  countObjectionsSince,
  decideObjection,
  getObjection,
  insertObjection,
  listObjections,
  objectionByReference,
  type ObjectionListRow,
} from "../store/objections";
import { runInTransaction } from "../store/runInTransaction";
import type { Database } from "../store/schema";
import type { AuditLog } from "./AuditLog";
import type { UserPrincipal } from "./auth/principal";
import type { ChangeFeed } from "./ChangeFeed";
import { entryKeyOf } from "./crypto/entrySecrets";
import type { DataKey } from "./crypto/RawVault";
import type { Sealer } from "./EntryIntake";
import type { PublicNotices } from "./PublicNotices";
import { RateLimiter } from "./RateLimiter";
import { sniffFormat } from "./redaction/imageIntake";
import { said } from "../../shared/messages/errorMessages";

/** Filings one address may make per hour. */
export const OBJECTIONS_PER_ADDRESS_PER_HOUR = 5;
/** Objections one entry may receive per day (the queue's protection against a flood). */
export const OBJECTIONS_PER_ENTRY_PER_DAY = 50;
/** Largest document an objector may attach. */
export const OBJECTION_DOCUMENT_MAX_BYTES = 5 * 1024 * 1024;

const HOUR_MS = 3_600_000;
const DAY_MS = 24 * HOUR_MS;
const BASE32 = "ABCDEFGHIJKLMNOPQRSTUVWXYZ234567";

/** A fresh reference: "OBJ-" and 10 base32 characters (50 random bits). */
export function newObjectionReference(): string {
  const bytes = randomBytes(10);
  let out = "";
  for (const b of bytes) out += BASE32[b & 31] ?? "A";
  return `OBJ-${out}`;
}

/** What a sealed objection field holds; part of its AAD. */
type SealedPart = "name" | "contact" | "text" | "document";

/** The AAD binding a sealed objection field to its objection, entry and purpose. */
function objectionAad(part: SealedPart, objectionId: string, entryId: string): string {
  return JSON.stringify(["signage-objection", part, objectionId, entryId]);
}

/** An attached document, checked by content. */
export interface ObjectionDocument {
  bytes: Buffer;
}

/**
 * Decides what a document is by its bytes: an image the photo pipeline decodes (JPEG, PNG,
 * WebP), or a PDF (its magic and its end marker). Throws a 4xx otherwise.
 */
async function checkDocument(
  bytes: Buffer,
  checkImage: (bytes: Buffer) => Promise<void>,
): Promise<string> {
  if (bytes.length > OBJECTION_DOCUMENT_MAX_BYTES)
    throw new AppError(413, "payload_too_large", said("objection.documentTooLarge"));
  if (bytes.subarray(0, 5).toString("latin1") === "%PDF-") {
    if (!bytes.subarray(Math.max(0, bytes.length - 1024)).includes("%%EOF"))
      throw new AppError(400, "bad_request", said("objection.pdfDamaged"));
    return "application/pdf";
  }
  const format = sniffFormat(bytes);
  const mime = { jpeg: "image/jpeg", png: "image/png", webp: "image/webp" }[
    format as "jpeg" | "png" | "webp"
  ];
  if (mime === undefined)
    throw new AppError(415, "unsupported_media_type", said("objection.documentType"));
  await checkImage(bytes);
  return mime;
}

/**
 * Citizens' objections to listings: filed on the public notice page (sealed under the entry's
 * data key, so the entry's erasure erases them), looked up by reference, and decided by the
 * moderators of the entry's districts: suspend the entry (a takedown), dismiss with a reason,
 * or forward to the court. Every step is audited in the transaction that makes it.
 */
export class Objections {
  private readonly perAddress: RateLimiter;
  private inFlight = 0;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      log: Logger;
      audit: AuditLog;
      changes: ChangeFeed;
      notices: PublicNotices;
      sealer: Sealer;
      checkImage: (bytes: Buffer) => Promise<void>;
      /** Tells the open consoles that the queue changed. */
      consoles?: { changed(topic: ConsoleTopic): void };
      now?: () => Date;
      /** Filings checked at once; more are told to come back (bounded work under a flood). */
      maxInFlight?: number;
    },
  ) {
    this.perAddress = new RateLimiter(OBJECTIONS_PER_ADDRESS_PER_HOUR, HOUR_MS, () =>
      this.now().getTime(),
    );
  }

  private now(): Date {
    return this.deps.now?.() ?? new Date();
  }

  /** Refuses (429) an address that filed its hourly share already; checked before the body is read. */
  checkAddress(address: string): void {
    const wait = this.perAddress.retryAfterSeconds(this.addressKey(address));
    if (wait > 0)
      throw new RateLimitedError(
        wait,
        said("objection.tooManyFromAddress", { minutes: Math.ceil(wait / 60) }),
      );
  }

  /**
   * Runs `work` as one of the few filings handled at once; beyond them a 503 "overloaded", so
   * a flood of uploads never holds more than a few documents in memory or the image decoder.
   */
  async admit<T>(work: () => Promise<T>): Promise<T> {
    if (this.inFlight >= (this.deps.maxInFlight ?? 8))
      throw new AppError(503, "overloaded", said("objection.busy"));
    this.inFlight += 1;
    try {
      return await work();
    } finally {
      this.inFlight -= 1;
    }
  }

  /** A keyed hash of an address: stored and counted, never reversible by trying every address. */
  private addressKey(address: string): string {
    return this.deps.sealer.idFingerprint(`objection-address:${address}`);
  }

  /**
   * Files an objection against the entry behind `publicId` while it is listed. A filled
   * honeypot answers the same way and stores nothing. Refuses with a 4xx otherwise.
   */
  async file(
    publicId: string,
    filing: ObjectionFiling,
    document: ObjectionDocument | undefined,
    address: string,
  ): Promise<ObjectionReceipt> {
    const now = this.now();
    const at = now.toISOString();
    const addressHash = this.addressKey(address);
    this.checkAddress(address);
    const found = await this.deps.notices.lookup(publicId);
    if (found.status === "unknown")
      throw new AppError(404, "not_found", said("objection.noNotice"));
    if (found.status === "ended") throw new AppError(410, "gone", said("objection.listingEnded"));
    this.perAddress.hit(addressHash);
    const reference = newObjectionReference();
    const receipt: ObjectionReceipt = {
      reference,
      filedOn: at.slice(0, 10),
      state: "received",
      statusUrl: `/n/${publicId}/objections/${reference}`,
    };
    if ((filing.website ?? "").trim() !== "") {
      // A bot filled the field a person cannot see: it is told what a person is told.
      this.deps.log.info({ entryId: found.entryId }, "objection honeypot filled; nothing stored");
      return receipt;
    }
    const entryId = found.entryId;
    const lastDay = new Date(now.getTime() - DAY_MS).toISOString();
    if (
      (await countObjectionsSince(this.deps.db, entryId, lastDay)) >= OBJECTIONS_PER_ENTRY_PER_DAY
    )
      throw new RateLimitedError(3600, said("objection.tooManyForListing"));
    const mime = document ? await checkDocument(document.bytes, this.deps.checkImage) : undefined;
    const id = randomUUID();
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const key = await entryKeyOf(uow.trx, this.deps.sealer, entryId);
      if (!key) throw new AppError(410, "gone", said("objection.listingEnded"));
      const seal = (part: SealedPart, plain: Buffer): Buffer =>
        key.seal(plain, objectionAad(part, id, entryId));
      await insertObjection(uow.trx, {
        id,
        entry_id: entryId,
        reference,
        state: "received",
        name_sealed: seal("name", Buffer.from(filing.name, "utf8")),
        contact_sealed: seal("contact", Buffer.from(filing.contact, "utf8")),
        text_sealed: seal("text", Buffer.from(filing.text, "utf8")),
        document_sealed: document ? seal("document", document.bytes) : null,
        document_mime: mime ?? null,
        decision_reason: null,
        decided_by: null,
        decided_at: null,
        address_hash: addressHash,
        created_at: at,
        erase_after: null,
      });
      await this.deps.audit.record(uow.trx, {
        actor: { type: "anonymous" },
        action: "objection.filed",
        target: { type: "objection", id },
        details: { entryId, reference, document: mime ?? null },
      });
      uow.afterCommit(() => this.deps.consoles?.changed("objections"));
    });
    this.deps.log.info({ entryId, objectionId: id }, "objection filed");
    return receipt;
  }

  /** The public status of the objection `reference` against the entry behind `publicId`. */
  async status(publicId: string, reference: string): Promise<ObjectionStatus | undefined> {
    const row = await objectionByReference(this.deps.db, publicId, reference);
    return row ? presentObjectionStatus(row) : undefined;
  }

  /** The districts of the entry an objection is against; undefined when there is no such objection. */
  async districtsOf(id: string): Promise<string[] | undefined> {
    const row = await getObjection(this.deps.db, id);
    if (!row) return undefined;
    return (await districtsOf(this.deps.db, [row.entry_id])).get(row.entry_id) ?? [];
  }

  /** The queue, newest first, within the districts the caller sees. */
  async list(filter: {
    state?: ObjectionState;
    within?: ReadonlySet<string>;
    limit: number;
  }): Promise<ObjectionSummary[]> {
    const rows = await listObjections(this.deps.db, filter);
    return this.present(rows);
  }

  private async present(rows: readonly ObjectionListRow[]): Promise<ObjectionSummary[]> {
    const districts = await districtsOf(
      this.deps.db,
      rows.map((r) => r.entry_id),
    );
    return rows.map((r) => presentObjection(r, districts.get(r.entry_id) ?? []));
  }

  private async summary(id: string): Promise<ObjectionSummary> {
    const [row] = await this.present(await listObjections(this.deps.db, { id, limit: 1 }));
    if (!row) throw new AppError(404, "not_found", said("objection.notFound", { id }));
    return row;
  }

  /**
   * Opens an objection for a moderator: the name, contact, text and document size unsealed.
   * The view is audited before anything is opened. After the entry's erasure nothing opens.
   */
  async open(p: UserPrincipal, id: string): Promise<ObjectionDetail> {
    const objection = await this.summary(id);
    await this.deps.audit.record(this.deps.db, {
      actor: { type: "user", id: p.id },
      action: "objection.viewed",
      target: { type: "objection", id },
      details: { entryId: objection.entryId, reference: objection.reference },
    });
    const opened = await this.unseal(id);
    return {
      objection,
      sealed: opened
        ? {
            name: opened.name,
            contact: opened.contact,
            text: opened.text,
            document: opened.document
              ? { mime: opened.document.mime, bytes: opened.document.bytes.length }
              : null,
          }
        : null,
    };
  }

  /** The attached document for a moderator (audited as a view); 404 without one, 410 once erased. */
  async document(p: UserPrincipal, id: string): Promise<{ mime: string; bytes: Buffer }> {
    const row = await getObjection(this.deps.db, id);
    if (!row) throw new AppError(404, "not_found", said("objection.notFound", { id }));
    if (row.document_mime === null && row.erase_after === null)
      throw new AppError(404, "not_found", said("objection.noDocument"));
    await this.deps.audit.record(this.deps.db, {
      actor: { type: "user", id: p.id },
      action: "objection.viewed",
      target: { type: "objection", id },
      details: { entryId: row.entry_id, reference: row.reference, document: true },
    });
    const opened = await this.unseal(id);
    if (!opened?.document) throw new AppError(410, "gone", said("objection.dataErased"));
    return opened.document;
  }

  private async unseal(id: string): Promise<
    | {
        name: string;
        contact: string;
        text: string;
        document: { mime: string; bytes: Buffer } | null;
      }
    | undefined
  > {
    const row = await getObjection(this.deps.db, id);
    if (!row || row.name_sealed === null || row.contact_sealed === null || row.text_sealed === null)
      return undefined;
    let key: DataKey | undefined;
    try {
      key = await entryKeyOf(this.deps.db, this.deps.sealer, row.entry_id);
    } catch (err) {
      this.deps.log.error({ err, objectionId: id }, "objection's entry key does not open");
      return undefined;
    }
    if (!key) return undefined;
    const open = (part: SealedPart, sealed: Buffer): Buffer =>
      key.open(sealed, objectionAad(part, id, row.entry_id));
    try {
      return {
        name: open("name", row.name_sealed).toString("utf8"),
        contact: open("contact", row.contact_sealed).toString("utf8"),
        text: open("text", row.text_sealed).toString("utf8"),
        document:
          row.document_sealed !== null && row.document_mime !== null
            ? { mime: row.document_mime, bytes: open("document", row.document_sealed) }
            : null,
      };
    } catch (err) {
      // Tampered or sealed for another record: shown as unreadable, never half-opened.
      this.deps.log.error({ err, objectionId: id }, "objection's sealed data does not open");
      return undefined;
    }
  }

  /**
   * Suspends the entry pending review: it leaves the screens (a withdrawal, acknowledged per
   * screen like every takedown) in the same transaction as the objection's change.
   */
  async suspend(p: UserPrincipal, id: string): Promise<ObjectionSummary> {
    const at = this.now().toISOString();
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const { trx } = uow;
      const row = await getObjection(trx, id);
      if (!row) throw new AppError(404, "not_found", said("objection.notFound", { id }));
      if (row.state !== "received") throw undecidable(row.state, "suspended");
      const entry = await getEntry(trx, row.entry_id);
      if (!entry || entry.state === "revoked" || entry.state === "expired")
        throw new AppError(409, "conflict", said("objection.nothingToSuspend"));
      let version: number | null = null;
      if (entry.state === "approved") {
        // Guarded in SQL: an edit, a revocation or an expiry that landed first is not undone.
        if (
          !(await updateEntryInState(trx, entry.id, "approved", {
            state: "pending_review",
            updated_at: at,
          }))
        )
          throw new AppError(409, "conflict", said("objection.entryChanged"));
        version = await this.deps.changes.entry(uow, "entry.withdrawn", entry.id, at);
      } else if (
        // Not on screens now: touched, guarded in its state, so an approval that read it before
        // this suspension (and so saw no objection holding it) fails its own guard, and an
        // approval that landed first makes this one refuse rather than leave it published.
        !(await updateEntryInState(trx, entry.id, entry.state, { updated_at: at }))
      )
        throw new AppError(409, "conflict", said("objection.entryChanged"));
      if (
        !(await decideObjection(trx, id, ["received"], {
          state: "suspended",
          decided_by: p.id,
          decided_at: at,
          decision_reason: null,
        }))
      )
        throw new AppError(409, "conflict", said("objection.decidedMeanwhile"));
      await this.deps.audit.record(trx, {
        actor: { type: "user", id: p.id },
        action: "objection.suspended",
        target: { type: "objection", id },
        details: {
          entryId: entry.id,
          reference: row.reference,
          entryStateBefore: entry.state,
          version,
        },
      });
      uow.afterCommit(() => this.deps.consoles?.changed("objections"));
    });
    this.deps.log.info({ objectionId: id, by: p.id }, "objection: entry suspended pending review");
    return this.summary(id);
  }

  /** Dismisses an objection with a reason the objector reads on the status page. */
  async dismiss(p: UserPrincipal, id: string, reason: string): Promise<ObjectionSummary> {
    refusePersonalDataInReason(reason, "objection.personalData");
    return this.decide(p, id, "dismissed", reason);
  }

  /**
   * A dismissal's reason outlives the listing (the status page, the audit log): besides what any
   * reason is refused for, the listed person's own full name, legal representative and ID number.
   */
  private async refuseEntryDataInReason(
    trx: Transaction<Database>,
    entryId: string,
    reason: string,
  ): Promise<void> {
    const entry = await getEntry(trx, entryId);
    if (entry)
      await refuseEntryPersonalDataInReason(
        trx,
        this.deps.sealer,
        entry,
        reason,
        "objection.personalData",
      );
  }

  /** Marks an objection as forwarded to the court. */
  async forward(p: UserPrincipal, id: string): Promise<ObjectionSummary> {
    return this.decide(p, id, "forwarded", null);
  }

  private async decide(
    p: UserPrincipal,
    id: string,
    state: "dismissed" | "forwarded",
    reason: string | null,
  ): Promise<ObjectionSummary> {
    const at = this.now().toISOString();
    await runInTransaction(this.deps.db, this.deps.log, async (uow) => {
      const row = await getObjection(uow.trx, id);
      if (!row) throw new AppError(404, "not_found", said("objection.notFound", { id }));
      if (row.state !== "received" && row.state !== "suspended")
        throw undecidable(row.state, state);
      if (reason !== null) await this.refuseEntryDataInReason(uow.trx, row.entry_id, reason);
      if (
        !(await decideObjection(uow.trx, id, ["received", "suspended"], {
          state,
          decided_by: p.id,
          decided_at: at,
          decision_reason: reason,
        }))
      )
        throw new AppError(409, "conflict", said("objection.decidedMeanwhile"));
      await this.deps.audit.record(uow.trx, {
        actor: { type: "user", id: p.id },
        action: state === "dismissed" ? "objection.dismissed" : "objection.forwarded",
        target: { type: "objection", id },
        details: {
          entryId: row.entry_id,
          reference: row.reference,
          stateBefore: row.state,
          ...(reason === null ? {} : { reason }),
        },
      });
      uow.afterCommit(() => this.deps.consoles?.changed("objections"));
    });
    this.deps.log.info({ objectionId: id, by: p.id, state }, "objection decided");
    return this.summary(id);
  }
}

/** The 409 for a decision an objection's state does not allow. */
function undecidable(state: ObjectionState, wanted: string): AppError {
  return new AppError(409, "conflict", said("objection.alreadyDecided", { state, wanted }));
}
