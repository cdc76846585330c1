/** The first retry waits up to this long. */
export const RETRY_BASE_MS = 1_000;
/**
 * No retry waits longer than this, so a fleet is back within it once the server is. Kept short
 * because a server that is up paces the fleet itself: beyond what it can take it refuses at once
 * with "overloaded" and a retry hint spread by its throughput, which the kiosk follows instead.
 */
export const RETRY_CAP_MS = 8_000;

/**
 * The wait before reconnect attempt `attempt` (0 for the first): "full jitter", uniformly
 * random between 0 and an exponentially growing ceiling. socket.io's own backoff randomises
 * only ±50% around the same schedule, so a whole city of screens that lost the server at the
 * same moment keeps arriving in waves; full jitter spreads them evenly over the window.
 * https://aws.amazon.com/blogs/architecture/exponential-backoff-and-jitter/
 */
export function reconnectDelay(
  attempt: number,
  random: () => number = Math.random,
  base = RETRY_BASE_MS,
  cap = RETRY_CAP_MS,
): number {
  const ceiling = Math.min(cap, base * 2 ** Math.max(0, Math.min(attempt, 30)));
  return Math.floor(random() * ceiling);
}
