import type { Logger } from "pino";
import type { z } from "zod";
import { said } from "../../shared/messages/errorMessages";
import type { Ack } from "../../shared/protocol/events";
import { AppError } from "../errors";

/** What an acknowledged event does besides its handler: the refusals before it and the words. */
export interface EventOptions<T> {
  /** The event's name, for logs. */
  event: string;
  log: Logger;
  /**
   * The socket's rate limit: answers through `reply` (when there is one) and returns true when
   * it drops the event. An event sent without an ack still costs a token.
   */
  limit: (reply?: (r: Ack<never>) => void) => boolean;
  /** Refuses before the payload is read, by throwing an AppError (e.g. an unpaired kiosk). */
  guard?: () => void;
  /** What a malformed payload is told. */
  invalid: (error: z.ZodError) => string;
  /** What the client is told when the handler fails with anything but an AppError (logged). */
  failed: string;
  /** Sees every answer before it is sent (metrics). */
  answered?: (r: Ack<T>) => void;
}

/**
 * The socket.io listener of an acknowledged event: rate limit → guard → parse → run, and one
 * answer whatever happens: `{ ok: true, data }`, an AppError's code and sentence, "validation_failed"
 * for a payload its schema refuses, "internal" for anything else. An event without an ack
 * callback is dropped: nobody would read the answer.
 */
export function handleEvent<S extends z.ZodType, T>(
  schema: S,
  handler: (payload: z.output<S>) => T | Promise<T>,
  options: EventOptions<T>,
): (payload: unknown, ack?: (r: Ack<T>) => void) => void {
  const { event, log } = options;
  return (payload, ack) => {
    if (typeof ack !== "function") {
      if (!options.limit()) log.warn(`${event} without an ack callback, ignored`);
      return;
    }
    const reply = (r: Ack<T>): void => {
      options.answered?.(r);
      ack(r);
    };
    if (options.limit(reply)) return;
    void run(payload);

    // Async, yet the guard and the parse answer synchronously: only the handler is awaited.
    async function run(raw: unknown): Promise<void> {
      try {
        options.guard?.();
        const parsed = schema.safeParse(raw);
        if (!parsed.success) {
          reply({ ok: false, error: invalidPayload(parsed.error, options) });
          return;
        }
        reply({ ok: true, data: await handler(parsed.data) });
      } catch (err) {
        reply({ ok: false, error: ackError(err, options) });
      }
    }
  };
}

/** A refused payload: the event's own sentence, and its first bad field as a reason to word. */
function invalidPayload(
  error: z.ZodError,
  options: Pick<EventOptions<unknown>, "event" | "invalid">,
): Extract<Ack<never>, { ok: false }>["error"] {
  const first = error.issues[0];
  return {
    code: "validation_failed",
    message: options.invalid(error),
    ...said("request.invalidEvent", {
      event: options.event,
      field: first?.path.map(String).join(".") || "(root)",
      problem: first?.message ?? "Invalid input",
    }),
  };
}

/** An AppError as the client reads it; anything else is logged and told as "internal". */
function ackError(
  err: unknown,
  options: Pick<EventOptions<unknown>, "event" | "log" | "failed">,
): Extract<Ack<never>, { ok: false }>["error"] {
  if (err instanceof AppError) {
    const retry = "retryAfterSeconds" in err ? err.retryAfterSeconds : undefined;
    return {
      code: err.code,
      message: err.message,
      ...(err.reason ? { reason: err.reason, params: err.params ?? {} } : {}),
      ...(typeof retry === "number" ? { retryAfterSeconds: retry } : {}),
    };
  }
  options.log.error({ err, event: options.event }, `${options.event} failed`);
  return { code: "internal", message: options.failed };
}
