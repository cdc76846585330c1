import { describe, expect, it } from "vitest";
import { SyncAck, createDistrict, pairKiosk, useTestServer } from "../support/testServer";

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
