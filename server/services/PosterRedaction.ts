import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import { wordError } from "../../shared/messages/errorMessages";
import { RegionSchema } from "../../shared/schemas/moderation";
import type { Interrupted } from "../store/leases";
import {
  claimNextPoster,
  interruptedPostersOutOfAttempts,
  posterState,
  renewPosterLeases,
  requeueInterruptedPosters,
  sealedPosterUpload,
  updatePoster,
} from "../store/posters";
import type { Database } from "../store/schema";
import type { AuditLog } from "./AuditLog";
import { rawDataAad, type EntryKeyring, type KeyUnwrapper } from "./crypto/RawVault";
import { LeasedWork } from "./LeasedWork";
import { ProcessLease } from "./ProcessLease";
import { ImageRejected } from "./redaction/ImageRejected";
import type { PosterRedactOptions, PosterResult } from "./redaction/redactPoster";
import type { RelativeBox } from "./redaction/types";

/** Runs a poster through the face pipeline (in the redaction worker pool). */
export interface PosterRedactor {
  redactPoster(raw: Buffer, options: PosterRedactOptions): Promise<PosterResult>;
}

/** The data key of a poster is wrapped under this record id (never an entry's). */
const keyRecord = (announcementId: string): string => `poster:${announcementId}`;

/**
 * Seals a poster upload under a fresh data key wrapped by the master key, and returns both in
 * one blob (`raw_sealed`): dropping the blob destroys the key with it (crypto-erasure).
 */
export function sealPoster(keyring: EntryKeyring, announcementId: string, raw: Buffer): Buffer {
  const { key, wrapped } = keyring.createDataKey(keyRecord(announcementId));
  const sealed = key.seal(raw, rawDataAad("photo", keyRecord(announcementId)));
  const head = Buffer.alloc(2);
  head.writeUInt16BE(wrapped.length);
  return Buffer.concat([head, wrapped, sealed]);
}

/** Opens a blob made by sealPoster; throws VaultError when it is not this poster's. */
export function openPoster(keyring: KeyUnwrapper, announcementId: string, blob: Buffer): Buffer {
  const length = blob.length >= 2 ? blob.readUInt16BE(0) : 0;
  const wrapped = blob.subarray(2, 2 + length);
  const key = keyring.unwrapDataKey(wrapped, keyRecord(announcementId));
  return key.open(blob.subarray(2 + length), rawDataAad("photo", keyRecord(announcementId)));
}

/** The hand-drawn regions stored on a poster; anything unreadable counts as none. */
export function posterRegions(json: string | null): RelativeBox[] {
  if (json === null) return [];
  try {
    const value: unknown = JSON.parse(json);
    if (!Array.isArray(value)) return [];
    return value.flatMap((r) => {
      const parsed = RegionSchema.safeParse(r);
      return parsed.success ? [parsed.data] : [];
    });
  } catch {
    return [];
  }
}

const MAX_ATTEMPTS = 3;

/** What a poster leaving "processing" writes: no process holds it any more. */
const RELEASED = { claimed_by: null, lease_until: null } as const;

/**
 * The posters' light queue over `announcement_posters.status`: claims queued posters one at a
 * time (so a poster never holds more than one thread of the pool entries share), runs them in
 * the redaction pool, and stores the outcome guarded by the claim, so a poster replaced
 * meanwhile never receives an older result. Fails closed: a poster that keeps failing is
 * "failed" and never shown. Woken after the commit of an upload; polls as a backstop. A claim
 * holds a lease the process renews while it works (as the redaction queue's jobs do), so only
 * the posters of a stopped process are taken back, at start and periodically.
 */
export class PosterRedaction {
  private stopped = false;
  private draining: Promise<void> | undefined;
  private again = false;
  /** This process's claim on the posters it processes: its name, its lease, who else is gone. */
  private readonly lease: ProcessLease;
  /** The poster in the pipeline now, whose lease is renewed. */
  private current: string | undefined;
  /** Renews that lease, takes back the posters of stopped processes, polls (see LeasedWork). */
  private readonly leased: LeasedWork<string, { id: string; attempts: number }>;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      vault: KeyUnwrapper;
      redactor: PosterRedactor;
      log: Logger;
      audit?: AuditLog;
      pollMs?: number;
      now?: () => Date;
      /** How long a claim holds unless renewed (default 2 min), and how often it is renewed. */
      leaseMs?: number;
      leaseRenewMs?: number;
    },
  ) {
    this.lease = new ProcessLease({
      leaseMs: deps.leaseMs,
      renewMs: deps.leaseRenewMs,
      now: deps.now,
    });
    this.leased = new LeasedWork({
      db: deps.db,
      log: deps.log,
      lease: this.lease,
      kind: {
        table: "announcement_posters",
        maxAttempts: MAX_ATTEMPTS,
        renew: renewPosterLeases,
        outOfAttempts: interruptedPostersOutOfAttempts,
        requeue: requeueInterruptedPosters,
        fail: (trx, poster, which) => this.failInterrupted(trx, poster, which),
        logged: (poster) => ({ announcementId: poster.id, attempts: poster.attempts }),
        said: {
          cannotRenew: "poster queue cannot renew its lease",
          failed:
            "poster redaction interrupted on its last attempt; failed, the image needs replacing",
          requeued: "posters of a stopped process back in the queue",
        },
      },
      held: () => (this.current === undefined ? [] : [this.current]),
      stopped: () => this.stopped,
      kick: () => this.kick(),
      pollMs: deps.pollMs ?? 5_000,
    });
  }

  private nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /**
   * Takes back the posters of stopped processes (see LeasedWork) and starts working; polls as a
   * backstop, and renews the lease of the poster it works on (taking back expired ones) meanwhile.
   */
  async start(): Promise<void> {
    await this.leased.start();
  }

  /**
   * A poster interrupted on its last attempt fails as a poster that kept failing does (the
   * operator replaces the image), under the same guard as the taking back, and is audited so.
   */
  private async failInterrupted(
    trx: Transaction<Database>,
    poster: { id: string; attempts: number },
    which: Interrupted,
  ): Promise<boolean> {
    const reason = wordError("redaction.posterInterrupted", { attempts: MAX_ATTEMPTS }, "en");
    return this.storeOutcome(
      trx,
      poster.id,
      {
        verdict: "failed",
        reason,
        faces: 0,
        detail: { error: reason, interrupted: true },
        at: which.now,
      },
      { status: ["processing"], interrupted: which },
      { verdict: "failed", faces: 0, hash: null, interrupted: true, attempts: poster.attempts },
    );
  }

  /**
   * Writes what became of a poster (its status and reason, result, and rendition if any; no
   * process holds it any more) while `guard` holds, and audits it as the system's doing, in
   * `trx`. False, and nothing written, when the guard no longer holds.
   */
  private async storeOutcome(
    trx: Transaction<Database>,
    id: string,
    out: {
      verdict: PosterResult["verdict"];
      reason: string | null;
      faces: number;
      detail: unknown;
      at: string;
      rendition?: NonNullable<PosterResult["rendition"]>;
    },
    guard: Parameters<typeof updatePoster>[3],
    audited: Record<string, unknown>,
  ): Promise<boolean> {
    const ok = await updatePoster(
      trx,
      id,
      {
        status: out.verdict,
        faces: out.faces,
        reason: out.reason,
        detail_json: JSON.stringify(out.detail),
        // Fail closed: a rendition is kept only when it passed verification.
        hash: out.rendition?.sha256 ?? null,
        mime: out.rendition?.mime ?? null,
        width: out.rendition?.width ?? null,
        height: out.rendition?.height ?? null,
        bytes: out.rendition?.bytes ?? null,
        updated_at: out.at,
        ...RELEASED,
      },
      guard,
    );
    if (!ok) return false;
    await this.deps.audit?.record(trx, {
      actor: { type: "system" },
      action: "announcement.poster_redacted",
      target: { type: "announcement", id },
      details: audited,
    });
    return true;
  }

  /** Looks for work now (after a commit that queued a poster). */
  kick(): void {
    if (this.stopped) return;
    if (this.draining) {
      this.again = true;
      return;
    }
    this.draining = this.drain().finally(() => {
      this.draining = undefined;
      if (this.again) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async drain(): Promise<void> {
    while (!this.stopped) {
      let job: Awaited<ReturnType<typeof claimNextPoster>>;
      try {
        job = await claimNextPoster(this.deps.db, this.nowIso(), this.lease.claim());
      } catch (err) {
        this.deps.log.error({ err }, "poster queue: claiming failed");
        return;
      }
      if (!job) return;
      this.current = job.id;
      await this.process(job)
        .catch((err: unknown) =>
          this.deps.log.error({ err, announcementId: job.id }, "poster redaction: storing failed"),
        )
        .finally(() => {
          this.current = undefined;
        });
    }
  }

  private async process(job: { id: string; attempts: number; claimedAt: string }): Promise<void> {
    const log = this.deps.log.child({ announcementId: job.id });
    const guard = {
      status: ["processing"] as const,
      updatedAt: job.claimedAt,
      claimedBy: this.lease.owner,
    };
    const blob = await sealedPosterUpload(this.deps.db, job.id);
    if (!blob) {
      await updatePoster(
        this.deps.db,
        job.id,
        {
          status: "failed",
          reason: "The uploaded poster is gone.",
          updated_at: this.nowIso(),
          ...RELEASED,
        },
        guard,
      );
      return;
    }
    const state = await posterState(this.deps.db, job.id);
    const manualRegions = posterRegions(state?.regions_json ?? null);
    let result: PosterResult;
    try {
      const raw = openPoster(this.deps.vault, job.id, blob);
      result = await this.deps.redactor.redactPoster(raw, {
        ...(manualRegions.length > 0 ? { manualRegions } : {}),
      });
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      // A refused file or impossible regions will not get better by trying again.
      const final = err instanceof ImageRejected || err instanceof RangeError;
      if (!final && job.attempts < MAX_ATTEMPTS) {
        log.warn({ err, attempts: job.attempts }, "poster redaction failed; will retry");
        await updatePoster(
          this.deps.db,
          job.id,
          { status: "queued", reason: message, updated_at: this.nowIso(), ...RELEASED },
          guard,
        );
        return;
      }
      log.error({ err, attempts: job.attempts }, "poster redaction failed for good");
      await this.save(job, guard, {
        verdict: "failed",
        reason: `The poster could not be processed: ${message}`,
        faces: 0,
        manualRegions,
        detail: { error: message },
      });
      return;
    }
    if (result.reason === "detector_error" && job.attempts < MAX_ATTEMPTS) {
      log.warn({ attempts: job.attempts }, "poster detectors failed; will retry");
      await updatePoster(
        this.deps.db,
        job.id,
        { status: "queued", reason: result.message, updated_at: this.nowIso(), ...RELEASED },
        guard,
      );
      return;
    }
    const { rendition, ...detail } = result;
    await this.save(job, guard, {
      verdict: result.verdict,
      reason: result.verdict === "done" ? null : result.message,
      faces: result.faces.length,
      manualRegions,
      detail,
      ...(rendition && result.verdict !== "failed" ? { rendition } : {}),
    });
    log.info({ verdict: result.verdict, faces: result.faces.length }, "poster redaction finished");
  }

  private async save(
    job: { id: string },
    guard: { status: readonly ["processing"]; updatedAt: string; claimedBy: string },
    out: {
      verdict: PosterResult["verdict"];
      reason: string | null;
      faces: number;
      manualRegions: RelativeBox[];
      detail: unknown;
      rendition?: NonNullable<PosterResult["rendition"]>;
    },
  ): Promise<void> {
    const at = this.nowIso();
    const saved = await this.deps.db.transaction().execute((trx) =>
      this.storeOutcome(trx, job.id, { ...out, at }, guard, {
        verdict: out.verdict,
        faces: out.faces,
        manualRegions: out.manualRegions.length,
        hash: out.rendition?.sha256 ?? null,
        verification: summary(out.detail),
      }),
    );
    if (!saved)
      this.deps.log.info(
        { announcementId: job.id },
        "poster result dropped: it was replaced meanwhile, or taken back",
      );
  }

  /** Stops taking posters and waits for the one in flight (it finishes or goes back on restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    // The poster in flight keeps its lease until it settles.
    await this.leased.stop(this.draining);
  }
}

function summary(detail: unknown): unknown {
  if (typeof detail !== "object" || detail === null) return null;
  const v = (detail as { verification?: { status?: unknown; hits?: unknown[] } }).verification;
  return v ? { status: v.status, hits: Array.isArray(v.hits) ? v.hits.length : 0 } : null;
}
