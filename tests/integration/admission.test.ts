import { sql } from "kysely";
import { io } from "socket.io-client";
import { describe, expect, it } from "vitest";
import { z } from "zod";
import { namespaces } from "../../shared/protocol/namespaces";
import { SyncAck, createDistrict, pairKiosk, useTestServer } from "../support/testServer";

/** What a refused handshake tells the client (socket.io's connect_error data). */
const RefusalSchema = z.object({
  code: z.string(),
  message: z.string(),
  retryAfterSeconds: z.number().int().positive().optional(),
});

describe("admission control for reconnect storms", () => {
  // One sync at a time, so a burst from one screen is enough to overflow it.
  const server = useTestServer({ env: { SIGNAGE_SYNC_CONCURRENCY: "1" } }, async (t) => {
    await createDistrict(t.baseUrl, "da");
  });

  it("answers syncs beyond the bound at once with 'overloaded' and a retry hint, and serves the rest", async () => {
    const t = server();
    const { socket } = await pairKiosk(t.baseUrl, "da");
    try {
      const answers = (
        await Promise.all(
          Array.from({ length: 12 }, () =>
            socket.timeout(10_000).emitWithAck("kiosk:hello", { appliedVersion: 0 }),
          ),
        )
      ).map((raw) => SyncAck.parse(raw));
      const refused = answers.filter((a) => !a.ok);
      expect(refused.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.ok).length).toBeGreaterThan(0);
      for (const a of refused) {
        expect(a.ok ? null : a.error.code).toBe("overloaded");
        expect(a.ok ? "" : a.error.message).toMatch(/^The server is busy .* try again in \d+ s\.$/);
        const hint = a.ok ? 0 : (a.error.retryAfterSeconds ?? 0);
        expect(hint).toBeGreaterThanOrEqual(1);
        expect(hint).toBeLessThanOrEqual(30);
      }
      // The slot is given back: a later sync is served.
      const later = SyncAck.parse(
        await socket.timeout(10_000).emitWithAck("kiosk:hello", { appliedVersion: 0 }),
      );
      expect(later.ok).toBe(true);
    } finally {
      socket.disconnect();
    }
  });
});

describe("a screen's token that cannot be checked", () => {
  // One handshake at a time: a slot the failed look-up kept would refuse the next one.
  const server = useTestServer({ env: { SIGNAGE_SYNC_CONCURRENCY: "1" } }, async (t) => {
    await createDistrict(t.baseUrl, "da");
  });

  /** A handshake with `token`: connected (and closed again), or the refusal's data. */
  async function handshake(baseUrl: string, token: string) {
    const socket = io(new URL(namespaces.kiosk, baseUrl).href, {
      transports: ["websocket"],
      reconnection: false,
      forceNew: true,
      auth: { token },
    });
    try {
      return await new Promise<"connected" | z.infer<typeof RefusalSchema>>((resolve) => {
        socket.once("connect", () => resolve("connected"));
        socket.once("connect_error", (err: Error & { data?: unknown }) => {
          // Without the refusal's data (a bare error), its message stands in for it.
          const said = RefusalSchema.safeParse(err.data);
          resolve(said.success ? said.data : { code: "no data", message: err.message });
        });
      });
    } finally {
      socket.disconnect();
    }
  }

  it("is answered 'overloaded' with a retry hint (not a bare internal error), then let in once the database answers", async () => {
    const t = server();
    const { socket, token } = await pairKiosk(t.baseUrl, "da");
    socket.disconnect();
    const db = t.server.store.db;
    // The database fails the look-up: the screens table is not there for a moment.
    await sql`alter table screens rename to screens_away`.execute(db);
    let refusal: Awaited<ReturnType<typeof handshake>>;
    try {
      refusal = await handshake(t.baseUrl, token);
    } finally {
      await sql`alter table screens_away rename to screens`.execute(db);
    }
    expect(refusal).toMatchObject({ code: "overloaded" });
    const said = refusal === "connected" ? null : refusal;
    expect(said?.message).toMatch(
      /^The server could not check this screen's token just now; try again in \d+ s\.$/,
    );
    // Not at once: a database that is down fails fast, and a fleet told "1 s" would hammer it.
    expect(said?.retryAfterSeconds).toBeGreaterThanOrEqual(5);
    expect(said?.retryAfterSeconds).toBeLessThanOrEqual(30);
    expect(await handshake(t.baseUrl, token)).toBe("connected");
  });
});
