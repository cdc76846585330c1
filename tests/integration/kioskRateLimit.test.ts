import { describe, expect, it } from "vitest";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { PlayReceiptSchema } from "../../shared/schemas/proofOfPlay";
import { KIOSK_EVENT_LIMITS } from "../../server/sockets/KioskEventLimits";
import {
  connectKiosk,
  createDistrict,
  pairKiosk,
  SyncAck,
  syncKiosk,
  useTestServer,
} from "../support/testServer";

const PlayAck = ackSchema(PlayReceiptSchema);

describe("rate limits on kiosk events", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "city");
    await createDistrict(t.baseUrl, "da", "city");
  });

  it("answers rate_limited with a retry-after to a kiosk syncing too often, and keeps it connected", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, "da", "频繁同步屏");
    try {
      // Beyond the bucket, but by fewer than the refusals that make a flood.
      const burst = KIOSK_EVENT_LIMITS.sync.capacity + 40;
      const answers = await Promise.all(
        Array.from({ length: burst }, async () =>
          SyncAck.parse(
            await kiosk.socket.timeout(10_000).emitWithAck("kiosk:hello", { appliedVersion: 0 }),
          ),
        ),
      );
      const refused = answers.flatMap((a) => (a.ok ? [] : [a.error]));
      expect(refused.length).toBeGreaterThan(0);
      expect(answers.filter((a) => a.ok).length).toBeGreaterThanOrEqual(
        KIOSK_EVENT_LIMITS.sync.capacity,
      );
      for (const error of refused) {
        expect(error.code).toBe("rate_limited");
        expect(error.retryAfterSeconds).toBeGreaterThanOrEqual(1);
        expect(error.message).toMatch(/^Too many kiosk:hello events .* try again in \d+ s\.$/);
        // Worded by reason too, so a console could say it in its own language.
        expect(error.reason).toBe("socket.tooManyEvents");
        expect(error.params).toEqual({
          event: "kiosk:hello",
          seconds: error.retryAfterSeconds,
        });
      }
      // Not a flood: the connection stays, and syncs again once its bucket refilled.
      expect(kiosk.socket.connected).toBe(true);
      await expect
        .poll(
          async () =>
            SyncAck.parse(
              await kiosk.socket.timeout(10_000).emitWithAck("kiosk:hello", { appliedVersion: 0 }),
            ).ok,
          { timeout: 10_000, interval: 500 },
        )
        .toBe(true);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("drops a flood of events, disconnects the flooding socket, and keeps answering other kiosks", async () => {
    const t = server();
    const flooder = await pairKiosk(t.baseUrl, "da", "洪泛屏");
    const quiet = await pairKiosk(t.baseUrl, "da", "安静屏");
    try {
      let disconnected = false;
      flooder.socket.on("disconnect", () => {
        disconnected = true;
      });
      const codes: string[] = [];
      // Malformed uploads: cheap for the server, refused as such while the bucket lasts.
      for (let i = 0; i < 500 && flooder.socket.connected; i++)
        flooder.socket.emit("kiosk:plays", { plays: [] }, (raw) => {
          const answer = PlayAck.parse(raw);
          codes.push(answer.ok ? "ok" : answer.error.code);
        });
      await expect.poll(() => disconnected, { timeout: 10_000 }).toBe(true);
      expect(codes).toContain("validation_failed");
      expect(codes).toContain("rate_limited");

      // Every other kiosk is still served, and so is the screen on a fresh connection.
      expect((await syncKiosk(quiet.socket)).district.id).toBe("da");
      const again = await connectKiosk(t.baseUrl, flooder.token);
      try {
        expect((await syncKiosk(again)).district.id).toBe("da");
      } finally {
        again.disconnect();
      }
    } finally {
      flooder.socket.disconnect();
      quiet.socket.disconnect();
    }
  });
});
