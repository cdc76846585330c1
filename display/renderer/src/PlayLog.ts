import { z } from "zod";
import type { Ack } from "../../../shared/protocol/events";
import {
  MAX_PLAY_MS,
  MAX_PLAYS_PER_BATCH,
  PlayRecordSchema,
  type PlayKind,
  type PlayReceipt,
  type PlayRecord,
} from "../../../shared/schemas/proofOfPlay";
import type { Slide } from "./playback";

/** Where plays wait until the server has receipted them (the kiosk's IndexedDB). */
export interface PlayBuffer {
  add(key: string, play: PlayRecord): Promise<void>;
  /** The oldest `limit` plays with their keys. */
  oldest(limit: number): Promise<{ key: string; play: PlayRecord }[]>;
  forget(keys: readonly string[]): Promise<void>;
  count(): Promise<number>;
}

/** What the log needs; tests pass fakes. */
export interface PlayLogDeps {
  /** The instant it is, by the kiosk's clock corrected to the server's (epoch ms). */
  now: () => number;
  /** A monotonic clock for durations (performance.now), unmoved by clock corrections. */
  monotonic: () => number;
  newId: () => string;
  buffer: PlayBuffer;
  /** Sends a batch to the server; rejects when it cannot be sent or no receipt came. */
  send: (plays: PlayRecord[]) => Promise<Ack<PlayReceipt>>;
  warn: (message: string, details?: Record<string, unknown>) => void;
}

interface Playing {
  kind: PlayKind;
  contentId: string;
  version: number;
  startedAt: number;
  t0: number;
}

/** Upload at once when this many plays wait (otherwise on connect and every minute). */
const UPLOAD_AT = 50;

/**
 * Proof of play. Each slide is logged when it leaves the screen (what, which version, when,
 * for how long), written durably first, and uploaded in batches; a batch is forgotten only
 * once the server has receipted it, and the server stores each play once however often a
 * batch is retried. So nothing is lost across an outage or a restart, and nothing doubles.
 */
export class PlayLog {
  /** What is on screen, by play identity (a list page shows several entries at once). */
  private current = new Map<string, Playing>();
  private uploading: Promise<void> | null = null;
  private waiting = 0;
  /** Writes in flight, so an upload never starts before the play it should carry is stored. */
  private writes: Promise<unknown> = Promise.resolve();

  constructor(private readonly deps: PlayLogDeps) {}

  /** The slide on screen changed (null: nothing, or a non-content slide, is shown). */
  shown(slide: Slide | null): void {
    const next = new Map((slide ? playsOf(slide) : []).map((p) => [identity(p), p]));
    // Content still on screen (a redraw: its photo arrived, a sync changed something else)
    // goes on; content that left is logged; content that arrived starts.
    for (const [key, playing] of this.current)
      if (!next.has(key)) {
        this.current.delete(key);
        this.log(playing);
      }
    for (const [key, p] of next)
      if (!this.current.has(key))
        this.current.set(key, { ...p, startedAt: this.deps.now(), t0: this.deps.monotonic() });
  }

  /** Ends every play on screen now (the page goes away, the screen is unpaired). */
  end(): void {
    const playing = [...this.current.values()];
    this.current.clear();
    for (const c of playing) this.log(c);
  }

  private log(c: Playing): void {
    const record = {
      id: this.deps.newId(),
      kind: c.kind,
      contentId: c.contentId,
      version: c.version,
      startedAt: new Date(c.startedAt).toISOString(),
      durationMs: Math.min(MAX_PLAY_MS, Math.max(0, Math.round(this.deps.monotonic() - c.t0))),
    };
    const parsed = PlayRecordSchema.safeParse(record);
    if (!parsed.success) {
      this.deps.warn("play not logged: malformed", { contentId: c.contentId });
      return;
    }
    // Keys sort by start time, so the oldest plays go first.
    const key = `${String(c.startedAt).padStart(15, "0")}:${record.id}`;
    this.waiting += 1;
    this.writes = this.writes
      .then(() => this.deps.buffer.add(key, parsed.data))
      .catch((err: unknown) => this.deps.warn("play not stored", { err: String(err) }));
  }

  /** Resolves once every play logged so far is in the buffer. */
  stored(): Promise<void> {
    return this.writes.then(() => undefined);
  }

  /** Whether enough plays wait to upload now rather than at the next minute. */
  get due(): boolean {
    return this.waiting >= UPLOAD_AT;
  }

  /**
   * Uploads every stored play, a batch at a time, until none is left or the server cannot
   * take more now. Only one upload runs at a time; a call meanwhile joins it.
   */
  upload(): Promise<void> {
    this.uploading ??= this.drain().finally(() => {
      this.uploading = null;
    });
    return this.uploading;
  }

  private async drain(): Promise<void> {
    await this.writes;
    for (;;) {
      const batch = await this.deps.buffer.oldest(MAX_PLAYS_PER_BATCH);
      if (batch.length === 0) return;
      let answer: Ack<PlayReceipt>;
      try {
        answer = await this.deps.send(batch.map((b) => b.play));
      } catch (err) {
        // No receipt (offline, timeout): the batch stays and goes again; the server dedupes.
        this.deps.warn("plays not uploaded, kept for later", { err: String(err) });
        return;
      }
      if (!answer.ok && answer.error.code !== "validation_failed") {
        this.deps.warn("plays refused for now, kept for later", { error: answer.error.code });
        return;
      }
      // Refused as malformed, they would be refused forever: dropped (and logged) instead.
      if (!answer.ok) this.deps.warn("plays refused as malformed, dropped", { n: batch.length });
      await this.deps.buffer.forget(batch.map((b) => b.key));
      this.waiting = Math.max(0, this.waiting - batch.length);
    }
  }
}

/** A play's identity: the same content at the same version is the same play while it stays. */
function identity(p: Omit<Playing, "startedAt" | "t0">): string {
  return `${p.kind}:${p.contentId}:${p.version}`;
}

/**
 * What a slide counts as for proof of play: one play, one per entry of a list page, or none
 * (waiting, idle and blank slides are not plays).
 */
function playsOf(slide: Slide): Omit<Playing, "startedAt" | "t0">[] {
  if (slide.kind === "list")
    return slide.entries.map((e) => ({
      kind: "entry",
      contentId: e.id,
      version: e.publishedVersion,
    }));
  const one = playOf(slide);
  return one ? [one] : [];
}

function playOf(slide: Slide): Omit<Playing, "startedAt" | "t0"> | null {
  switch (slide.kind) {
    case "announcement":
      return {
        kind: "announcement",
        contentId: slide.announcement.id,
        version: slide.announcement.version,
      };
    case "entry":
      return { kind: "entry", contentId: slide.entry.id, version: slide.entry.publishedVersion };
    case "emergency":
      return { kind: "emergency", contentId: slide.emergency.id, version: 0 };
    default:
      return null;
  }
}

const StoredPlaySchema = z.object({ key: z.string(), play: PlayRecordSchema });

/** The play buffer in the kiosk's IndexedDB (`plays` store, keys in start-time order). */
export function indexedDbPlayBuffer(db: {
  put(store: "plays", key: string, value: unknown): Promise<void>;
  first(store: "plays", limit: number): Promise<{ key: string; value: unknown }[]>;
  delete(store: "plays", keys: readonly string[]): Promise<void>;
  count(store: "plays"): Promise<number>;
}): PlayBuffer {
  return {
    add: (key, play) => db.put("plays", key, { key, play }),
    oldest: async (limit) => {
      const out: { key: string; play: PlayRecord }[] = [];
      const damaged: string[] = [];
      for (const { key, value } of await db.first("plays", limit)) {
        const parsed = StoredPlaySchema.safeParse(value);
        if (parsed.success) out.push(parsed.data);
        else damaged.push(key);
      }
      // A record that cannot be read would block the queue forever.
      await db.delete("plays", damaged);
      return out;
    },
    forget: (keys) => db.delete("plays", keys),
    count: () => db.count("plays"),
  };
}
