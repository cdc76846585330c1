import pino from "pino";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { AppError, RateLimitedError } from "../../../../server/errors";
import { handleEvent, type EventOptions } from "../../../../server/sockets/handleEvent";
import type { Ack } from "../../../../shared/protocol/events";

const Payload = z.object({ n: z.number().int() });

/** A listener around `handler`, with the answers it gave and the lines it logged. */
function listener(
  handler: (p: { n: number }) => number | Promise<number>,
  options: Partial<EventOptions<number>> = {},
) {
  const logged: string[] = [];
  const log = pino({ level: "warn" }, { write: (line: string) => void logged.push(line) });
  const answers: Ack<number>[] = [];
  const on = handleEvent(Payload, handler, {
    event: "test:event",
    log,
    limit: () => false,
    invalid: (error) => `test:event needs { n: integer }: ${error.issues[0]?.message ?? ""}`,
    failed: "The server could not do it.",
    ...options,
  });
  const send = async (payload: unknown): Promise<Ack<number>> => {
    on(payload, (r) => answers.push(r));
    await new Promise((resolve) => setImmediate(resolve));
    const last = answers.at(-1);
    if (!last) throw new Error("no answer");
    return last;
  };
  return { on, send, answers, logged };
}

describe("handleEvent", () => {
  it("answers the handler's result, with the payload as its schema parsed it", async () => {
    const { send } = listener((p) => Promise.resolve(p.n * 2));
    expect(await send({ n: 21, extra: "dropped" })).toEqual({ ok: true, data: 42 });
  });

  it("refuses a malformed payload with validation_failed, without running the handler", async () => {
    let ran = false;
    const { send } = listener(() => {
      ran = true;
      return 0;
    });
    const r = await send({ n: "21" });
    expect(r.ok ? "ok" : r.error.code).toBe("validation_failed");
    expect(r.ok ? "" : r.error.message).toMatch(/^test:event needs \{ n: integer \}: /);
    expect(ran).toBe(false);
  });

  it("tells an AppError's code and sentence, and when to come back if it says", async () => {
    const conflict = listener(() => {
      throw new AppError(409, "conflict", "Already done.");
    });
    expect(await conflict.send({ n: 1 })).toEqual({
      ok: false,
      error: { code: "conflict", message: "Already done." },
    });
    const limited = listener(() => Promise.reject(new RateLimitedError(7, "Slow down.")));
    expect(await limited.send({ n: 1 })).toEqual({
      ok: false,
      error: { code: "rate_limited", message: "Slow down.", retryAfterSeconds: 7 },
    });
  });

  it("answers anything else as internal with its own sentence, and logs the error", async () => {
    const { send, logged } = listener(() => Promise.reject(new Error("disk on fire")));
    expect(await send({ n: 1 })).toEqual({
      ok: false,
      error: { code: "internal", message: "The server could not do it." },
    });
    expect(logged.join("")).toContain("disk on fire");
  });

  it("runs the guard before reading the payload, and the rate limit before the guard", async () => {
    const order: string[] = [];
    const { send } = listener(() => 0, {
      limit: () => {
        order.push("limit");
        return false;
      },
      guard: () => {
        order.push("guard");
        throw new AppError(401, "unauthenticated", "Pair first.");
      },
    });
    const r = await send("not even an object");
    expect(r.ok ? "ok" : r.error.code).toBe("unauthenticated");
    expect(order).toEqual(["limit", "guard"]);
  });

  it("leaves the answer to a rate limit that drops the event, and counts an event without an ack", async () => {
    let ran = false;
    const taken: boolean[] = [];
    const { on, answers, logged } = listener(
      () => {
        ran = true;
        return 0;
      },
      {
        limit: (reply) => {
          taken.push(reply !== undefined);
          reply?.({ ok: false, error: { code: "rate_limited", message: "Too many." } });
          return true;
        },
      },
    );
    on({ n: 1 }, (r) => answers.push(r));
    on({ n: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(answers).toEqual([{ ok: false, error: { code: "rate_limited", message: "Too many." } }]);
    expect(taken).toEqual([true, false]);
    expect(ran).toBe(false);
    expect(logged).toEqual([]);
  });

  it("ignores an event sent without an ack callback, with a warning", async () => {
    let ran = false;
    const { on, logged } = listener(() => {
      ran = true;
      return 0;
    });
    on({ n: 1 });
    await new Promise((resolve) => setImmediate(resolve));
    expect(ran).toBe(false);
    expect(logged.join("")).toContain("test:event without an ack callback, ignored");
  });

  it("lets `answered` see every answer before it is sent (metrics)", async () => {
    const seen: string[] = [];
    const { send } = listener((p) => (p.n > 0 ? p.n : Promise.reject(new Error("no"))), {
      answered: (r) => seen.push(r.ok ? "ok" : r.error.code),
    });
    await send({ n: 1 });
    await send({ n: 0 });
    await send({});
    expect(seen).toEqual(["ok", "internal", "validation_failed"]);
  });
});
