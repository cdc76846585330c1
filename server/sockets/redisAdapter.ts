import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { Logger } from "pino";
import { createClient } from "redis";
import { StartupError } from "../errors";
import type { AdapterFactory } from "./io";

/** The Redis Streams adapter and how to let go of its connection. */
export interface RedisFanOut {
  adapter: AdapterFactory;
  /**
   * Calls `listener` each time the connection comes back after it was lost: pushes sent or
   * read while it was down may never have arrived, so this process's screens must catch up.
   */
  onResume(listener: () => void): void;
  close(): Promise<void>;
}

/**
 * Connects to Redis and builds socket.io's Redis Streams adapter, so that every server process
 * on the same stream reaches every screen: a takedown made on one process is pushed by all.
 * Refuses to start (one sentence) when Redis cannot be reached within `timeoutMs`.
 */
export async function connectRedisFanOut(
  options: { url: string; stream: string },
  log: Logger,
  timeoutMs = 5_000,
): Promise<RedisFanOut> {
  const where = new URL(options.url).host;
  const client = createClient({
    url: options.url,
    socket: {
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries) => Math.min(retries * 200, 5_000),
    },
  });
  // After start, a lost connection is logged and retried; screens on this process still play.
  let started = false;
  let lost = false;
  const resumed: (() => void)[] = [];
  client.on("error", (err: unknown) => {
    if (started) log.error({ err }, "Redis connection lost; retrying");
  });
  client.on("reconnecting", () => {
    if (started) lost = true;
  });
  client.on("ready", () => {
    if (!lost) return;
    lost = false;
    log.warn({ redis: where }, "Redis connection back; screens on this process catch up");
    for (const listener of resumed) listener();
  });
  try {
    await Promise.race([
      client.connect(),
      new Promise((_, reject) =>
        setTimeout(() => reject(new Error(`no answer in ${timeoutMs} ms`)), timeoutMs).unref(),
      ),
    ]);
  } catch (err) {
    await client.disconnect().catch(() => undefined);
    throw new StartupError(
      `Redis at ${where} (SIGNAGE_REDIS_URL) cannot be reached: ${(err as Error).message}.`,
    );
  }
  started = true;
  log.info({ redis: where, stream: options.stream }, "fanning out through Redis");
  // The adapter sends server-side notices (a sync cache dropped elsewhere) by PUBLISH and does
  // not wait for the answer: Redis dying with one in flight would be an unhandled rejection,
  // which ends the process. Such a loss is logged here; catching up on resume covers it.
  const publish = client.publish.bind(client) as (...args: unknown[]) => Promise<unknown>;
  (client as unknown as { publish: typeof publish }).publish = (...args) => {
    const sent = publish(...args);
    sent.catch((err: unknown) =>
      log.warn({ err }, "a notice to the other server processes was lost"),
    );
    return sent;
  };
  return {
    adapter: createAdapter(client, { streamName: options.stream }) as AdapterFactory,
    onResume: (listener) => void resumed.push(listener),
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
