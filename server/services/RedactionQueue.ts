import { createHash, randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import type { Kysely } from "kysely";
import type { Logger } from "pino";
import {
  claimNextJob,
  finishJob,
  interruptedJobsOutOfAttempts,
  redactionSettingsOf,
  renewJobLeases,
  requeueInterruptedJobs,
  runningJobClaimants,
  type Interrupted,
  saveRedactionOutcome,
  setRedactionStatus,
} from "../store/entries";
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
/** How long a claim on a running job holds unless renewed; renewed every LEASE_RENEW_MS. */
const LEASE_MS = 120_000;
const LEASE_RENEW_MS = 30_000;

/**
 * Runs the persistent redaction queue: claims jobs from the database, redacts off the event
 * loop, stores the outcome. Fails closed: a job that keeps failing marks the entry for manual
 * review; nothing is ever published without a verified rendition.
 */
export class RedactionQueue {
  private running = 0;
  private timer: ReturnType<typeof setInterval> | undefined;
  private leaseTimer: ReturnType<typeof setInterval> | undefined;
  /** This process's name on the jobs it claims (see claimantName). */
  private readonly owner = claimantName();
  /** The jobs this process runs now, whose leases it renews. */
  private readonly runningIds = new Set<number>();
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
      /** Told how long each job took and how it ended (the metrics' histogram). */
      measured?: (seconds: number, outcome: RedactionOutcomeLabel) => void;
      /** Told once a job's outcome is stored, so open consoles show the entry as it is now. */
      settled?: (entryId: string) => void;
      /** How long a claim holds unless renewed (default 2 min), and how often it is renewed. */
      leaseMs?: number;
      leaseRenewMs?: number;
    },
  ) {}

  private nowIso(): string {
    return (this.deps.now?.() ?? new Date()).toISOString();
  }

  /**
   * Takes back the jobs of stopped processes (see recover) and starts working; polls as a
   * backstop, and renews the leases of its running jobs (taking back expired ones) meanwhile.
   */
  async start(): Promise<void> {
    runningHere.add(this.owner);
    await this.recover();
    this.timer = setInterval(() => this.kick(), this.deps.pollMs ?? 2_000);
    this.timer.unref();
    this.leaseTimer = setInterval(() => {
      void this.renewAndRecover().catch((err: unknown) =>
        this.deps.log.warn({ err }, "redaction queue cannot renew its leases"),
      );
    }, this.deps.leaseRenewMs ?? LEASE_RENEW_MS);
    this.leaseTimer.unref();
    this.kick();
  }

  private lease(): { owner: string; until: string } {
    const now = this.deps.now?.() ?? new Date();
    return {
      owner: this.owner,
      until: new Date(now.getTime() + (this.deps.leaseMs ?? LEASE_MS)).toISOString(),
    };
  }

  private async renewAndRecover(): Promise<void> {
    await renewJobLeases(this.deps.db, [...this.runningIds], this.lease());
    if (this.stopped) return;
    // A process that died while this one ran (jobs claimed after this one's start) left its
    // jobs: they are taken back once their lease runs out.
    await this.recover();
    this.kick();
  }

  /**
   * Jobs left running by a process that stopped (their lease ran out; a live process renews its
   * own, and those are left alone): the ones on their last attempt fail, the others go back on
   * the queue.
   */
  private async recover(): Promise<void> {
    const at = this.nowIso();
    const dead = goneClaimants(await runningJobClaimants(this.deps.db), this.owner);
    const which: Interrupted = { now: at, dead, except: this.owner };
    await this.failJobsOutOfAttempts(which);
    const requeued = await requeueInterruptedJobs(this.deps.db, at, which);
    if (requeued > 0) this.deps.log.info({ requeued }, "interrupted redaction jobs resumed");
  }

  /**
   * A job still running when its process stopped, on its last attempt, most likely stopped it (a
   * photo that crashes the process or its worker): run again, it would at every start. It fails
   * as a job that kept failing does, and its entry waits for a moderator's manual regions.
   */
  private async failJobsOutOfAttempts(which: Interrupted): Promise<void> {
    const at = which.now;
    const reason = `The server stopped during each of the ${MAX_ATTEMPTS} attempts to redact this photo.`;
    const jobs = await interruptedJobsOutOfAttempts(this.deps.db, MAX_ATTEMPTS, which);
    for (const job of jobs) {
      const failed = await this.deps.db.transaction().execute(async (trx) => {
        if (!(await finishJob(trx, job.id, "failed", at, reason, { interrupted: which })))
          return false;
        await setRedactionStatus(trx, job.entryId, {
          redaction_status: "failed",
          redaction_reason: `Redaction failed: ${reason}`,
          updated_at: at,
        });
        return true;
      });
      if (failed)
        this.deps.log.error(
          { entryId: job.entryId, jobId: job.id, attempts: job.attempts },
          "redaction interrupted on its last attempt; failed, the entry needs manual regions",
        );
    }
  }

  /** Looks for work now (called after a commit that queued a job). */
  kick(): void {
    if (this.stopped || this.draining) return;
    this.draining = true;
    // A database that cannot be reached (a restart) fails this look; the poll tries again.
    void this.fill()
      .catch((err: unknown) => this.deps.log.warn({ err }, "redaction queue cannot claim a job"))
      .finally(() => {
        this.draining = false;
      });
  }

  private async fill(): Promise<void> {
    while (!this.stopped && this.running < this.deps.concurrency) {
      const job = await claimNextJob(this.deps.db, this.nowIso(), this.lease());
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
    return { owner: this.owner };
  }

  /** Stops taking jobs and waits for those in flight (they finish or go back on restart). */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await Promise.allSettled([...this.inFlight]);
    // Renewed until the last job settles, so no other process takes one back meanwhile.
    if (this.leaseTimer) clearInterval(this.leaseTimer);
    runningHere.delete(this.owner);
  }
}

/**
 * What tells this machine's processes apart from every other's (Linux: the boot and the PID
 * namespace, so two containers or two hosts never share it); "" where it cannot be told.
 */
function machineKey(): string {
  try {
    const boot = readFileSync("/proc/sys/kernel/random/boot_id", "utf8").trim();
    const pidSpace = readlinkSync("/proc/self/ns/pid");
    return createHash("sha256").update(`${boot} ${pidSpace}`).digest("hex").slice(0, 12);
  } catch {
    return "";
  }
}

const MACHINE = machineKey();

/** The queues running in this process now (tests run two servers in one process). */
const runningHere = new Set<string>();

/** A process's name on the jobs it claims: host, machine key, pid and a random part. */
export function claimantName(): string {
  return [
    hostname().replaceAll("~", "-"),
    MACHINE,
    String(process.pid),
    randomUUID().slice(0, 8),
  ].join("~");
}

/**
 * The claimants among `claimants` known to have stopped: processes of this machine (same boot,
 * same PID namespace) whose pid is gone, or is this process's own under a name no queue of it
 * runs under (a restart that got the same pid, as in a container). Their jobs need not wait for their lease.
 * Any other (another host, another container) is judged by its lease only.
 */
export function goneClaimants(claimants: readonly string[], self: string): string[] {
  if (MACHINE === "") return [];
  return claimants.filter((c) => {
    const [, machine, pidText] = c.split("~");
    if (c === self || machine !== MACHINE) return false;
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    // This pid: a queue of this process, or a process before it that had the same pid.
    if (pid === process.pid) return !runningHere.has(c);
    try {
      process.kill(pid, 0);
      return false;
    } catch (err) {
      // EPERM: it exists, run by another user.
      return (err as { code?: string }).code === "ESRCH";
    }
  });
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
