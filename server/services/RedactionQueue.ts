import type { Kysely, Transaction } from "kysely";
import type { Logger } from "pino";
import {
  claimNextJob,
  finishJob,
  interruptedJobsOutOfAttempts,
  redactionSettingsOf,
  renewJobLeases,
  requeueInterruptedJobs,
  saveRedactionOutcome,
  setRedactionStatus,
} from "../store/entries";
import type { Interrupted } from "../store/leases";
import type { Database } from "../store/schema";
import type { AuditLog } from "./AuditLog";
import type { RelativeBox } from "./redaction/types";
import {
  RedactionConcernSchema,
  RegionSchema,
  type RedactionConcern,
} from "../../shared/schemas/moderation";
import type { KeyUnwrapper } from "./crypto/RawVault";
import { openRawPhoto } from "./crypto/entrySecrets";
import { LeasedWork } from "./LeasedWork";
import { ProcessLease } from "./ProcessLease";
import type { RedactionOutcomeLabel } from "./ServerMetrics";

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
  /** What a moderator must look at one by one even when publishable (several faces...). */
  concerns: RedactionConcern[];
  /** Detections, regions, verification and detector versions, kept for the moderator. */
  detail: unknown;
}

/** How a photo is to be redacted: style, and what a moderator decided on it. */
export interface PhotoRedactOptions {
  style: "mosaic" | "solid";
  /** Areas to cover besides every detected face, relative to the (cropped) upright photo. */
  manualRegions?: Region[];
  /** The upright photo is cropped to this box before anything else. */
  crop?: Region;
  /** The whole photo is covered (a moderator's last resort), re-rendered and verified. */
  coverAll?: boolean;
  /** A person's photo should show one face: anything else is a concern. */
  expectOneFace?: boolean;
}

/** Redacts a raw photo (normally in worker threads). */
export interface PhotoRedactor {
  redact(raw: Buffer, opts: PhotoRedactOptions): Promise<RedactionOutcome>;
}

/** Unwraps entries' data keys to open their raw photos; implemented by RawVault. */
export type Opener = KeyUnwrapper;

const MAX_ATTEMPTS = 3;

/**
 * Runs the persistent redaction queue: claims jobs from the database, redacts off the event
 * loop, stores the outcome. Fails closed: a job that keeps failing marks the entry for manual
 * review; nothing is ever published without a verified rendition.
 */
export class RedactionQueue {
  private running = 0;
  /** This process's claim on the jobs it runs: its name, its leases, who else is gone. */
  private readonly lease: ProcessLease;
  /** The jobs this process runs now, whose leases it renews. */
  private readonly runningIds = new Set<number>();
  /** Renews those leases, takes back the jobs of stopped processes, polls (see LeasedWork). */
  private readonly leased: LeasedWork<number, { id: number; entryId: string; attempts: number }>;
  private stopped = false;
  private readonly inFlight = new Set<Promise<void>>();
  /** The look for work under way, if any (stop waits for the job it may be claiming). */
  private draining: Promise<void> | undefined;

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
      /** Told how long each job took and how it ended (the metrics' histogram). */
      measured?: (seconds: number, outcome: RedactionOutcomeLabel) => void;
      /** Told once a job's outcome is stored, so open consoles show the entry as it is now. */
      settled?: (entryId: string) => void;
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
        table: "redaction_jobs",
        maxAttempts: MAX_ATTEMPTS,
        renew: renewJobLeases,
        outOfAttempts: interruptedJobsOutOfAttempts,
        requeue: requeueInterruptedJobs,
        fail: (trx, job, which) => this.failInterrupted(trx, job, which),
        logged: (job) => ({ entryId: job.entryId, jobId: job.id, attempts: job.attempts }),
        said: {
          cannotRenew: "redaction queue cannot renew its leases",
          failed:
            "redaction interrupted on its last attempt; failed, the entry needs manual regions",
          requeued: "interrupted redaction jobs resumed",
        },
      },
      held: () => [...this.runningIds],
      stopped: () => this.stopped,
      kick: () => this.kick(),
      pollMs: deps.pollMs ?? 2_000,
    });
  }

  private nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /**
   * Takes back the jobs of stopped processes (see LeasedWork) and starts working; polls as a
   * backstop, and renews the leases of its running jobs (taking back expired ones) meanwhile.
   */
  async start(): Promise<void> {
    await this.leased.start();
  }

  /**
   * A job interrupted on its last attempt fails as a job that kept failing does, under the same
   * guard as the taking back, and its entry waits for a moderator's manual regions.
   */
  private async failInterrupted(
    trx: Transaction<Database>,
    job: { id: number; entryId: string },
    which: Interrupted,
  ): Promise<boolean> {
    const at = which.now;
    const reason = `The server stopped during each of the ${MAX_ATTEMPTS} attempts to redact this photo.`;
    if (!(await finishJob(trx, job.id, "failed", at, reason, { interrupted: which }))) return false;
    await setRedactionStatus(trx, job.entryId, {
      redaction_status: "failed",
      redaction_reason: `Redaction failed: ${reason}`,
      updated_at: at,
    });
    return true;
  }

  /** Looks for work now (called after a commit that queued a job). */
  kick(): void {
    if (this.stopped || this.draining) return;
    // A database that cannot be reached (a restart) fails this look; the poll tries again.
    this.draining = this.fill()
      .catch((err: unknown) => this.deps.log.warn({ err }, "redaction queue cannot claim a job"))
      .finally(() => {
        this.draining = undefined;
      });
  }

  private async fill(): Promise<void> {
    while (!this.stopped && this.running < this.deps.concurrency) {
      const job = await claimNextJob(this.deps.db, this.nowIso(), this.lease.claim());
      if (!job) return;
      this.running += 1;
      this.runningIds.add(job.id);
      const p = this.process(job).finally(() => {
        this.running -= 1;
        this.runningIds.delete(job.id);
        this.inFlight.delete(p);
        this.kick();
      });
      this.inFlight.add(p);
    }
  }

  private async process(job: { id: number; entryId: string; attempts: number }): Promise<void> {
    const started = performance.now();
    const outcome = await this.redactOne(job);
    this.deps.measured?.((performance.now() - started) / 1000, outcome);
    this.deps.settled?.(job.entryId);
  }

  private async redactOne(job: {
    id: number;
    entryId: string;
    attempts: number;
  }): Promise<RedactionOutcomeLabel> {
    const log = this.deps.log.child({ entryId: job.entryId, jobId: job.id });
    try {
      const raw = await openRawPhoto(this.deps.db, this.deps.vault, job.entryId);
      if (!raw) {
        const at = this.nowIso();
        await this.deps.db.transaction().execute(async (trx) => {
          if (!(await finishJob(trx, job.id, "done", at, "raw photo already deleted", this.held())))
            return;
          await setRedactionStatus(trx, job.entryId, {
            redaction_status: "needs_review",
            redaction_reason: "The raw photo is gone.",
            updated_at: at,
          });
        });
        return "dropped";
      }
      const entry = await redactionSettingsOf(this.deps.db, job.entryId);
      const manualRegions = parseRegions(entry?.manual_regions_json ?? null);
      const crop = parseBox(entry?.crop_json ?? null);
      const coverAll = entry?.cover_all === 1;
      const outcome = await this.deps.redactor.redact(raw, {
        style: "mosaic",
        ...(manualRegions.length > 0 ? { manualRegions } : {}),
        ...(crop ? { crop } : {}),
        ...(coverAll ? { coverAll } : {}),
        expectOneFace: entry?.subject_type !== "organisation",
      });
      const concerns = readConcerns(outcome.concerns);
      const at = this.nowIso();
      const publishable = outcome.verdict === "publishable" && outcome.renditions.length > 0;
      const saved = await this.deps.db.transaction().execute(async (trx) => {
        // Settle the job first: if it was superseded (the photo was replaced), drop the result.
        if (!(await finishJob(trx, job.id, "done", at, undefined, this.held()))) return false;
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
            // A moderator looks at these one by one, even on a publishable result.
            redaction_concerns_json: concerns.length > 0 ? JSON.stringify(concerns) : null,
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
            crop: crop ?? null,
            coverAll,
            concerns: concerns.map((c) => c.code),
            detail: summariseDetail(outcome.detail),
          },
        });
        return true;
      });
      if (!saved) {
        log.info(
          "redaction result dropped: the photo was replaced meanwhile, or the job taken back",
        );
        return "dropped";
      }
      log.info({ verdict: outcome.verdict, reason: outcome.reason }, "redaction finished");
      return publishable ? "done" : "needs_review";
    } catch (err) {
      const message = err instanceof Error ? err.message : String(err);
      const at = this.nowIso();
      if (job.attempts < MAX_ATTEMPTS) {
        log.warn({ err, attempts: job.attempts }, "redaction failed; will retry");
        await this.deps.db.transaction().execute(async (trx) => {
          if (!(await finishJob(trx, job.id, "queued", at, message, this.held()))) return;
          await setRedactionStatus(trx, job.entryId, {
            redaction_status: "queued",
            updated_at: at,
          });
        });
        return "retry";
      }
      log.error(
        { err, attempts: job.attempts },
        "redaction failed for good; entry needs manual regions",
      );
      await this.deps.db.transaction().execute(async (trx) => {
        if (!(await finishJob(trx, job.id, "failed", at, message, this.held()))) return;
        await setRedactionStatus(trx, job.entryId, {
          redaction_status: "failed",
          redaction_reason: `Redaction failed: ${message}`,
          updated_at: at,
        });
      });
      return "failed";
    }
  }

  /** This process's claim, which settles the jobs it runs (not one taken back from it). */
  private held(): { owner: string } {
    return { owner: this.lease.owner };
  }

  /** Stops taking jobs and waits for those in flight (they finish or go back on restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    // A job being claimed now is in flight once the claim returns: wait for that first. The
    // jobs in flight keep their leases until the last one settles.
    await this.draining;
    await this.leased.stop(Promise.allSettled([...this.inFlight]));
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

/** A stored crop box; anything unreadable counts as none. */
function parseBox(json: string | null): Region | undefined {
  if (json === null) return undefined;
  try {
    const parsed = RegionSchema.safeParse(JSON.parse(json));
    return parsed.success ? parsed.data : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The concerns as the review queue knows them. One that does not read (a code this server does
 * not know) is kept as a concern all the same: fail closed, a moderator looks at the photo.
 */
export function readConcerns(concerns: readonly unknown[]): RedactionConcern[] {
  return concerns.map((c) => {
    const parsed = RedactionConcernSchema.safeParse(c);
    if (parsed.success) return { code: parsed.data.code, message: parsed.data.message };
    return {
      code: "detectors_disagree",
      message: "The redaction raised a concern this server does not know; look at the photo.",
    };
  });
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
