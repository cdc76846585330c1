import { createHash, randomUUID } from "node:crypto";
import { readFileSync, readlinkSync } from "node:fs";
import { hostname } from "node:os";
import type { Interrupted, JobLease } from "../store/leases";

/** How long a claim holds unless renewed, by default; renewed every DEFAULT_RENEW_MS. */
const DEFAULT_LEASE_MS = 120_000;
const DEFAULT_RENEW_MS = 30_000;

/**
 * One worker's claim on the shared work it runs (redaction jobs, posters): its name on what it
 * claims, the lease it writes and renews, and which other claimants' work it may take back (an
 * expired lease, or a process of this machine that is gone), never a live process's.
 */
export class ProcessLease {
  /** This worker's name on the work it claims (see claimantName). */
  readonly owner = claimantName();
  private timer: ReturnType<typeof setInterval> | undefined;

  constructor(
    private readonly opts: {
      /** How long a claim holds unless renewed (default 2 min), and how often it is renewed. */
      leaseMs?: number | undefined;
      renewMs?: number | undefined;
      now?: (() => Date) | undefined;
    } = {},
  ) {}

  /** The claim to write on work taken (or renewed) now: this owner, until a lease from now. */
  claim(): JobLease {
    const now = this.opts.now?.() ?? new Date();
    return {
      owner: this.owner,
      until: new Date(now.getTime() + (this.opts.leaseMs ?? DEFAULT_LEASE_MS)).toISOString(),
    };
  }

  /**
   * What may be taken back now, given who holds claimed work (`claimants`): expired leases and
   * the work of claimants known gone, never this owner's.
   */
  interrupted(claimants: readonly string[]): Interrupted {
    const now = (this.opts.now?.() ?? new Date()).toISOString();
    return { now, dead: goneClaimants(claimants, this.owner), except: this.owner };
  }

  /**
   * Counts this owner as running in this process (so a same-pid check never takes its work) and
   * calls `tick` (renew its own leases, take back others' expired ones) every renewal period
   * until `stop`. Called before the start-up recovery.
   */
  start(tick: () => Promise<void>, failed: (err: unknown) => void): void {
    runningHere.add(this.owner);
    this.timer = setInterval(() => {
      void tick().catch(failed);
    }, this.opts.renewMs ?? DEFAULT_RENEW_MS);
    this.timer.unref();
  }

  /** Stops renewing (call once the work in flight settled); this owner no longer runs here. */
  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = undefined;
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

/** The claimants working in this process now (tests run two servers in one process). */
const runningHere = new Set<string>();

/** A worker's name on the work it claims: host, machine key, pid and a random part. */
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
 * same PID namespace) whose pid is gone, or is this process's own under a name no worker of it
 * runs under (a restart that got the same pid, as in a container). Their work need not wait for
 * its lease. Any other (another host, another container) is judged by its lease only.
 */
export function goneClaimants(claimants: readonly string[], self: string): string[] {
  if (MACHINE === "") return [];
  return claimants.filter((c) => {
    const [, machine, pidText] = c.split("~");
    if (c === self || machine !== MACHINE) return false;
    const pid = Number(pidText);
    if (!Number.isInteger(pid) || pid <= 0) return false;
    // This pid: a worker of this process, or a process before it that had the same pid.
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
