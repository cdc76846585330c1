import { collectDefaultMetrics, Counter, Gauge, Histogram, Registry } from "prom-client";

/** How a kiosk sync ended: a delta, a full manifest, or the error code it was answered. */
export type SyncResult = "delta" | "full" | (string & {});

/** How one redaction job ended. */
export type RedactionOutcomeLabel = "done" | "needs_review" | "failed" | "retry" | "dropped";

/** How one import ended: finished (rows may still be refused), refused as a whole, or failed. */
export type ImportOutcome = "completed" | "refused" | "failed";

/** What the metrics read at scrape time rather than count as they happen. */
export interface FleetProbes {
  /** Screens connected to this process now. */
  connectedScreens(): number;
  /** Redaction jobs waiting and being worked on, across every process (from the database). */
  redactionJobs(): Promise<{ queued: number; running: number }>;
}

/**
 * The server's Prometheus metrics, on a registry of its own (never prom-client's global one),
 * so several apps can live in one process and each answers only for itself.
 */
export class ServerMetrics {
  /** The registry `/metrics` renders. */
  readonly registry = new Registry();
  private probes: FleetProbes | undefined;

  private readonly syncs = new Counter({
    name: "signage_kiosk_syncs_total",
    help: "Kiosk syncs (kiosk:hello) answered, by result: delta, full, or the error code.",
    labelNames: ["result"] as const,
    registers: [this.registry],
  });

  private readonly takedownAck = new Histogram({
    name: "signage_takedown_ack_seconds",
    help: "From a takedown's change-log time to a screen of its districts acknowledging it.",
    buckets: [0.25, 0.5, 1, 2, 5, 10, 30, 60, 300, 1800, 3600, 86_400],
    registers: [this.registry],
  });

  private readonly redactions = new Histogram({
    name: "signage_redaction_duration_seconds",
    help: "Time to redact one photo (read, detect, render, verify, store), by outcome.",
    labelNames: ["outcome"] as const,
    buckets: [0.1, 0.25, 0.5, 1, 2, 5, 10, 30, 60, 120],
    registers: [this.registry],
  });

  private readonly imports = new Counter({
    name: "signage_imports_total",
    help: "Bulk imports of court exports, by outcome.",
    labelNames: ["outcome"] as const,
    registers: [this.registry],
  });

  constructor() {
    const probes = (): FleetProbes | undefined => this.probes;
    new Gauge({
      name: "signage_connected_screens",
      help: "Paired screens connected to this server process.",
      registers: [this.registry],
      collect() {
        this.set(probes()?.connectedScreens() ?? 0);
      },
    });
    new Gauge({
      name: "signage_redaction_queue_depth",
      help: "Redaction jobs queued or running, by state.",
      labelNames: ["state"] as const,
      registers: [this.registry],
      async collect() {
        const jobs = (await probes()?.redactionJobs()) ?? { queued: 0, running: 0 };
        this.set({ state: "queued" }, jobs.queued);
        this.set({ state: "running" }, jobs.running);
      },
    });
    // Process memory, CPU, event-loop delay (nodejs_eventloop_lag_*), handles, GC.
    collectDefaultMetrics({ register: this.registry });
  }

  /** Tells the metrics where to read what is measured at scrape time. */
  probe(probes: FleetProbes): void {
    this.probes = probes;
  }

  /** A kiosk sync was answered. */
  syncServed(result: SyncResult): void {
    this.syncs.inc({ result });
  }

  /** A screen acknowledged a takedown `seconds` after it was logged. */
  takedownAcknowledged(seconds: number): void {
    this.takedownAck.observe(Math.max(0, seconds));
  }

  /** One redaction job took `seconds` and ended so. */
  redactionFinished(seconds: number, outcome: RedactionOutcomeLabel): void {
    this.redactions.observe({ outcome }, seconds);
  }

  /** One import ended so. */
  importFinished(outcome: ImportOutcome): void {
    this.imports.inc({ outcome });
  }

  /** The Prometheus text exposition and its content type. */
  async render(): Promise<{ contentType: string; body: string }> {
    return { contentType: this.registry.contentType, body: await this.registry.metrics() };
  }
}
