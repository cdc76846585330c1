import { createAdapter } from "@socket.io/redis-streams-adapter";
import type { Logger } from "pino";
import { createClient } from "redis";
import { StartupError } from "../errors";
import type { AdapterFactory } from "./io";

/** The Redis Streams adapter and how to let go of its connection. */
export interface RedisFanOut {
  adapter: AdapterFactory;
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
  const client = createClient({
    url: options.url,
    socket: {
      connectTimeout: timeoutMs,
      reconnectStrategy: (retries) => Math.min(retries * 200, 5_000),
    },
  });
  // After start, a lost connection is logged and retried; screens on this process still play.
  let started = false;
  client.on("error", (err: unknown) => {
    if (started) log.error({ err }, "Redis connection lost; retrying");
  });
  const where = new URL(options.url).host;
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
  return {
    adapter: createAdapter(client, { streamName: options.stream }) as AdapterFactory,
    close: async () => {
      await client.quit().catch(() => client.disconnect());
    },
  };
}
