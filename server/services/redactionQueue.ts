import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  claimNextJob,
  finishJob,
  loadRawPhoto,
  requeueInterruptedJobs,
  saveRedactionOutcome,
} from "../store/entries";
import type { Database } from "../store/schema";
import type { AuditLog } from "./auditLog";
import type { RelativeBox } from "./redaction/types";
import { sealedContext } from "./entryIntake";

/** A moderator-drawn area, relative (0–1) to the upright photo. */
export type Region = RelativeBox;

/** One finished rendition, ready to store. */
export interface RenditionOut {
  variant: "display" | "thumb";
  mime: string;
  width: number;
  height: number;
  hash: string;
  bytes: Buffer;
}

/** What redacting one photo produced. Renditions exist only when the verdict is publishable. */
export interface RedactionOutcome {
  verdict: "publishable" | "needs_review";
  reason?: string;
  style: "mosaic" | "solid";
  renditions: RenditionOut[];
  /** Detections, regions, verification and detector versions, kept for the moderator. */
  detail: unknown;
}

/** Redacts a raw photo (normally in worker threads). */
export interface PhotoRedactor {
  redact(
    raw: Buffer,
    opts: { style: "mosaic" | "solid"; manualRegions?: Region[] },
  ): Promise<RedactionOutcome>;
}

/** Opens sealed raw data; implemented by RawVault. */
export interface Opener {
  open(sealed: Buffer, aad: string): Buffer;
}

const MAX_ATTEMPTS = 3;

/**
 * Runs the persistent redaction queue: claims jobs from the database, redacts off the event
 * loop, stores the outcome. Fails closed: a job that keeps failing marks the entry for manual
 * review; nothing is ever published without a verified rendition.
 */
export class RedactionQueue {
  private running = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  private draining = false;

  constructor(
    private readonly deps: {
      db: Kysely<Database>;
      vault: Opener;
      redactor: PhotoRedactor;
      log: Logger;
      concurrency: number;
      pollMs?: number;
      now?: () => Date;
      /** Records each redaction result (detections and verdict) in the audit log. */
      audit?: AuditLog;
      /** Called after each job settles (the console hears about progress through it). */
      onSettled?: (entryId: string, status: "done" | "needs_review" | "failed") => void;
    },
  ) {}

  private nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /** Puts interrupted jobs back on the queue and starts working; polls as a backstop. */
  async start(): Promise<void> {
    const requeued = await requeueInterruptedJobs(this.deps.db, this.nowIso());
    if (requeued > 0) this.deps.log.info({ requeued }, "redaction jobs resumed after restart");
    this.timer = setInterval(() => this.kick(), this.deps.pollMs ?? 2_000);
    this.timer.unref();
    this.kick();
  }

  /** Looks for work now (called after a commit that queued a job). */
  kick(): void {
    if (this.stopped || this.draining) return;
    this.draining = true;
    void this.fill().finally(() => {
      this.draining = false;
    });
  }

  private async fill(): Promise<void> {
    while (!this.stopped && this.running < this.deps.concurrency) {
      const job = await claimNextJob(this.deps.db, this.nowIso());
      if (!job) return;
      this.running += 1;
      const p = this.process(job).finally(() => {
        this.running -= 1;
        this.inFlight.delete(p);
        this.kick();
      });
      this.inFlight.add(p);
    }
  }

  private async process(job: { id: number; entryId: string; attempts: number }): Promise<void> {
    const log = this.deps.log.child({ entryId: job.entryId, jobId: job.id });
    try {
      const sealed = await loadRawPhoto(this.deps.db, job.entryId);
      if (!sealed) {
        const at = this.nowIso();
        await this.deps.db.transaction().execute(async (trx) => {
          if (!(await finishJob(trx, job.id, "done", at, "raw photo already deleted"))) return;
          await trx
            .updateTable("entries")
            .set({
              redaction_status: "needs_review",
              redaction_reason: "The raw photo is gone.",
              updated_at: at,
            })
            .where("id", "=", job.entryId)
            .execute();
        });
        return;
      }
      const raw = this.deps.vault.open(sealed, sealedContext.photo(job.entryId));
      const entry = await this.deps.db
        .selectFrom("entries")
        .select("manual_regions_json")
        .where("id", "=", job.entryId)
        .executeTakeFirst();
      const manualRegions = parseRegions(entry?.manual_regions_json ?? null);
      const outcome = await this.deps.redactor.redact(raw, {
        style: "mosaic",
        ...(manualRegions.length > 0 ? { manualRegions } : {}),
      });
      const at = this.nowIso();
      const publishable = outcome.verdict === "publishable" && outcome.renditions.length > 0;
      const saved = await this.deps.db.transaction().execute(async (trx) => {
        // Settle the job first: if it was superseded (the photo was replaced), drop the result.
        if (!(await finishJob(trx, job.id, "done", at))) return false;
        await saveRedactionOutcome(
          trx,
          {
            entry_id: job.entryId,
            verdict: publishable ? "publishable" : "needs_review",
            reason: outcome.reason ?? null,
            style: outcome.style,
            detail_json: JSON.stringify(outcome.detail),
            manual_regions_json: manualRegions.length > 0 ? JSON.stringify(manualRegions) : null,
            completed_at: at,
          },
          // Fail closed: renditions are stored only for a verified, publishable result.
          publishable
            ? outcome.renditions.map((r) => ({
                hash: r.hash,
                entry_id: job.entryId,
                variant: r.variant,
                mime: r.mime,
                width: r.width,
                height: r.height,
                bytes: r.bytes,
                created_at: at,
              }))
            : [],
          {
            redaction_status: publishable ? "done" : "needs_review",
            redaction_reason: publishable
              ? null
              : (outcome.reason ?? "Redaction could not be verified."),
            updated_at: at,
          },
        );
        await this.deps.audit?.record(trx, {
          actor: { type: "system" },
          action: "entry.redacted",
          target: { type: "entry", id: job.entryId },
          details: {
            verdict: publishable ? "publishable" : "needs_review",
            reason: outcome.reason ?? null,
            manualRegions: manualRegions.length,
            detail: summariseDetail(outcome.detail),
          },
        });
        return true;
      });
      if (!saved) {
        log.info("redaction result dropped: the photo was replaced meanwhile");
        return;
      }
      log.info({ verdict: outcome.verdict, reason: outcome.reason }, "redaction finished");
      this.deps.onSettled?.(job.entryId, publishable ? "done" : "needs_review");
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const at = this.nowIso();
      if (job.attempts < MAX_ATTEMPTS) {
        log.warn({ err, attempts: job.attempts }, "redaction failed; will retry");
        await this.deps.db.transaction().execute(async (trx) => {
          if (!(await finishJob(trx, job.id, "queued", at, message))) return;
          await trx
            .updateTable("entries")
            .set({ redaction_status: "queued", updated_at: at })
            .where("id", "=", job.entryId)
            .execute();
        });
        return;
      }
      log.error(
        { err, attempts: job.attempts },
        "redaction failed for good; entry needs manual regions",
      );
      await this.deps.db.transaction().execute(async (trx) => {
        if (!(await finishJob(trx, job.id, "failed", at, message))) return;
        await trx
          .updateTable("entries")
          .set({
            redaction_status: "failed",
            redaction_reason: `Redaction failed: ${message}`,
            updated_at: at,
          })
          .where("id", "=", job.entryId)
          .execute();
      });
      this.deps.onSettled?.(job.entryId, "failed");
    }
  }

  /** Stops taking jobs and waits for those in flight (they finish or go back on restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
  }
}

/** The hand-drawn regions stored on an entry; anything unreadable counts as none. */
function parseRegions(json: string | null): Region[] {
  if (json === null) return [];
  try {
    const value: unknown = JSON.parse(json);
    return Array.isArray(value) ? (value as Region[]) : [];
  } catch {
    return [];
  }
}

/** The part of a redaction's detail worth an audit record: faces, scores, verification. */
function summariseDetail(detail: unknown): unknown {
  if (typeof detail !== "object" || detail === null) return null;
  const d = detail as Record<string, unknown>;
  return {
    faces: d["faces"],
    regions: d["regions"],
    verification: d["verification"],
    detectorVersions: d["detectorVersions"],
  };
}
