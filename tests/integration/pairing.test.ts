import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import { ScreenSchema } from "../../shared/schemas/screen";
import { buildAnnouncementInput } from "../support/factories";
import {
  api,
  connectKiosk,
  createDistrict,
  type KioskSocket,
  pairKiosk,
  postJson,
  removeDataDir,
  requestPairingCode,
  startTestServer,
  type TestServer,
} from "../support/testServer";

/** A portrait kiosk asking for a code. */
function requestCode(socket: KioskSocket): Promise<string> {
  return requestPairingCode(socket, { width: 1080, height: 1920, appVersion: "1.0.0" });
}

async function patch(url: string, body: unknown): Promise<Response> {
  return api(url, {
    method: "PATCH",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
}

describe("screen pairing and device tokens", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await createDistrict(t.baseUrl, "dalian");
    await createDistrict(t.baseUrl, "zhongshan", "dalian");
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("pairs a kiosk by its code; the token arrives over the socket and never in the API answer", async () => {
    const kiosk = await connectKiosk(t.baseUrl);
    try {
      const code = await requestCode(kiosk);
      expect(code).toMatch(/^[A-HJKMNP-Z2-9]{6}$/);
      const tokenArrives = new Promise<{ token: string; screenId: string }>((r) =>
        kiosk.once("pairing:complete", r),
      );
      // Operators may type the code in lower case with a space.
      const typed = `${code.slice(0, 3).toLowerCase()} ${code.slice(3)}`;
      const res = await postJson(`${t.baseUrl}/api/screens/pair`, {
        code: typed,
        name: "中山路口",
        districtId: "zhongshan",
      });
      expect(res.status).toBe(201);
      const { token, screenId } = await tokenArrives;
      expect(JSON.stringify(res.body)).not.toContain(token);
      const screen = ScreenSchema.parse((res.body as { screen: unknown }).screen);
      expect(screen).toMatchObject({
        id: screenId,
        districtId: "zhongshan",
        orientation: "portrait",
      });

      const paired = await connectKiosk(t.baseUrl, token);
      const hello = (await paired
        .timeout(5000)
        .emitWithAck("kiosk:hello", { appliedVersion: 0 })) as { ok: boolean };
      expect(hello.ok).toBe(true);
      paired.disconnect();
    } finally {
      kiosk.disconnect();
    }
  });

  it("refuses a code used twice, an unknown code and a malformed one", async () => {
    const kiosk = await connectKiosk(t.baseUrl);
    try {
      const code = await requestCode(kiosk);
      const body = { code, name: "A", districtId: "dalian" };
      expect((await postJson(`${t.baseUrl}/api/screens/pair`, body)).status).toBe(201);
      const replay = await postJson(`${t.baseUrl}/api/screens/pair`, body);
      expect(replay.status).toBe(409);
      expect(JSON.stringify(replay.body)).toContain("already used");
      // The refusal repeats the code as the screen shows it, however it was typed.
      const unknown = await postJson(`${t.baseUrl}/api/screens/pair`, { ...body, code: "zz-zzzz" });
      expect(unknown.status).toBe(404);
      expect(unknown.body).toMatchObject({
        error: {
          code: "not_found",
          message: "No kiosk is showing the pairing code ZZZ ZZZ; check the screen.",
          reason: "pairing.unknownCode",
        },
      });
      const malformed = await postJson(`${t.baseUrl}/api/screens/pair`, {
        ...body,
        code: "0O1IL!",
      });
      expect(malformed.status).toBe(400);
    } finally {
      kiosk.disconnect();
    }
  });

  it("refuses an expired code", async () => {
    const kiosk = await connectKiosk(t.baseUrl);
    try {
      const code = await requestCode(kiosk);
      await t.server.store.db
        .updateTable("pairing_codes")
        .set({ expires_at: new Date(Date.now() - 1000).toISOString() })
        .where("code", "=", code)
        .execute();
      const res = await postJson(`${t.baseUrl}/api/screens/pair`, {
        code,
        name: "B",
        districtId: "dalian",
      });
      expect(res.status).toBe(404);
      expect(JSON.stringify(res.body)).toContain("expired");
    } finally {
      kiosk.disconnect();
    }
  });

  it("refuses an unpaired socket's hello and a forged token", async () => {
    const unpaired = await connectKiosk(t.baseUrl);
    const r = (await unpaired.timeout(5000).emitWithAck("kiosk:hello", { appliedVersion: 0 })) as {
      ok: boolean;
      error?: { code: string };
    };
    expect(r).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
    unpaired.disconnect();
    await expect(connectKiosk(t.baseUrl, "x".repeat(43))).rejects.toThrow(/unauthenticated/);
  });

  it("unpairs a screen: the kiosk is told, disconnected at once, and its token stops working", async () => {
    const { socket, token, screenId } = await pairKiosk(t.baseUrl, "dalian");
    const told = new Promise<string>((r) => socket.once("screen:revoked", (p) => r(p.reason)));
    const gone = new Promise<string>((r) => socket.once("disconnect", r));
    const res = await api(`${t.baseUrl}/api/screens/${screenId}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(200);
    expect(await told).toContain("unpaired");
    expect(await gone).toBe("io server disconnect");
    await expect(connectKiosk(t.baseUrl, token)).rejects.toThrow(/unauthenticated/);
    const twice = await api(`${t.baseUrl}/api/screens/${screenId}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(twice.status).toBe(409);
  });

  it("rotates a token: the kiosk gets the new one and the old one stops working", async () => {
    const { socket, token, screenId } = await pairKiosk(t.baseUrl, "dalian");
    try {
      const fresh = new Promise<string>((r) => socket.once("screen:token", (p) => r(p.token)));
      const res = await api(`${t.baseUrl}/api/screens/${screenId}/rotate-token`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
      });
      expect(res.status).toBe(200);
      const newToken = await fresh;
      expect(newToken).not.toBe(token);
      await expect(connectKiosk(t.baseUrl, token)).rejects.toThrow(/unauthenticated/);
      (await connectKiosk(t.baseUrl, newToken)).disconnect();
    } finally {
      socket.disconnect();
    }
  });

  it("refuses to rotate an offline screen's token, and unpairs a screen whose token is used twice", async () => {
    const offline = await pairKiosk(t.baseUrl, "dalian");
    offline.socket.disconnect();
    await new Promise((r) => setTimeout(r, 100));
    const refused = await api(`${t.baseUrl}/api/screens/${offline.screenId}/rotate-token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(refused.status).toBe(409);
    (await connectKiosk(t.baseUrl, offline.token)).disconnect();

    const twice = await pairKiosk(t.baseUrl, "dalian");
    const thief = await connectKiosk(t.baseUrl, twice.token);
    let thiefGotToken = false;
    thief.on("screen:token", () => (thiefGotToken = true));
    const res = await api(`${t.baseUrl}/api/screens/${twice.screenId}/rotate-token`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
    });
    expect(res.status).toBe(409);
    expect(JSON.stringify(await res.json())).toContain("leaked");
    await expect(connectKiosk(t.baseUrl, twice.token)).rejects.toThrow(/unauthenticated/);
    expect(thiefGotToken).toBe(false);
    thief.disconnect();
    twice.socket.disconnect();
  });

  it("withdraws a code once the kiosk shows a newer one", async () => {
    const kiosk = await connectKiosk(t.baseUrl);
    try {
      const first = await requestCode(kiosk);
      const second = await requestCode(kiosk);
      await new Promise((r) => setTimeout(r, 100));
      const stale = await postJson(`${t.baseUrl}/api/screens/pair`, {
        code: first,
        name: "x",
        districtId: "dalian",
      });
      expect(stale.status).toBe(404);
      const fresh = await postJson(`${t.baseUrl}/api/screens/pair`, {
        code: second,
        name: "x",
        districtId: "dalian",
      });
      expect(fresh.status).toBe(201);
    } finally {
      kiosk.disconnect();
    }
  });

  it("moves a screen to another district and it re-syncs at once", async () => {
    const { socket, screenId } = await pairKiosk(t.baseUrl, "dalian");
    try {
      const resync = new Promise<void>((r) => socket.once("content:changed", () => r()));
      const res = await patch(`${t.baseUrl}/api/screens/${screenId}`, {
        districtId: "zhongshan",
        location: "Stop 3",
      });
      expect(res.status).toBe(200);
      await resync;
      const screen = ScreenSchema.parse(((await res.json()) as { screen: unknown }).screen);
      expect(screen).toMatchObject({ districtId: "zhongshan", location: "Stop 3", online: true });
      expect(
        (await patch(`${t.baseUrl}/api/screens/${screenId}`, { districtId: "atlantis" })).status,
      ).toBe(400);
      expect((await patch(`${t.baseUrl}/api/screens/${screenId}`, {})).status).toBe(400);
    } finally {
      socket.disconnect();
    }
  });

  it("records the kiosk's health reports", async () => {
    const { socket, screenId } = await pairKiosk(t.baseUrl, "dalian");
    try {
      socket.emit("screen:status", {
        width: 3840,
        height: 2160,
        appVersion: "2.1.0",
        appliedVersion: 7,
        currentSlide: "announcement:x",
        uptimeSeconds: 120.5,
        memoryMb: 212.4,
        // The kiosk's clock runs 2.45 s ahead of the server's.
        clockSkewMs: -2_450,
      });
      socket.emit("screen:status", { width: "huge" } as never);
      let screen;
      for (let i = 0; i < 50; i++) {
        screen = ScreenSchema.parse(
          (
            (await (await api(`${t.baseUrl}/api/screens/${screenId}`)).json()) as {
              screen: unknown;
            }
          ).screen,
        );
        if (screen.appVersion === "2.1.0") break;
        await new Promise((r) => setTimeout(r, 50));
      }
      expect(screen).toMatchObject({
        width: 3840,
        height: 2160,
        // Only kiosk:applied moves the acknowledged version, never a status report's claim.
        appliedVersion: 0,
        memoryMb: 212,
        clockSkewMs: -2_450,
        online: true,
      });
    } finally {
      socket.disconnect();
    }
  });

  it("pushes content only to paired screens", async () => {
    const unpaired = await connectKiosk(t.baseUrl);
    const { socket } = await pairKiosk(t.baseUrl, "dalian");
    try {
      let leaked = false;
      unpaired.on("content:changed", () => (leaked = true));
      const got = new Promise<void>((r) => socket.once("content:changed", () => r()));
      await publishAnnouncement(t, buildAnnouncementInput());
      await got;
      await new Promise((r) => setTimeout(r, 100));
      expect(leaked).toBe(false);
    } finally {
      unpaired.disconnect();
      socket.disconnect();
    }
  });
});

describe("asking for pairing codes", () => {
  it("is limited per address across reconnects", async () => {
    const t = await startTestServer();
    try {
      let refused = 0;
      for (let i = 0; i < 4 && refused === 0; i++) {
        const kiosk = await connectKiosk(t.baseUrl);
        for (let j = 0; j < 10; j++) {
          const r = (await kiosk
            .timeout(5000)
            .emitWithAck("pairing:request", { width: 1, height: 1, appVersion: "x" })) as {
            ok: boolean;
            error?: { message: string };
          };
          if (!r.ok) {
            refused += 1;
            expect(r.error?.message).toMatch(/try again in \d+ s/);
          }
        }
        kiosk.disconnect();
      }
      expect(refused).toBeGreaterThan(0);
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });
});

describe("guessing pairing codes", () => {
  it("is rate limited: 1000 wrong codes in a minute get 429 after the first few", async () => {
    const t = await startTestServer();
    try {
      await createDistrict(t.baseUrl, "dalian");
      const statuses: number[] = [];
      for (let i = 0; i < 1000; i++) {
        const res = await postJson(`${t.baseUrl}/api/screens/pair`, {
          code: "ZZZZZZ",
          name: "x",
          districtId: "dalian",
        });
        statuses.push(res.status);
      }
      expect(statuses.filter((s) => s === 404).length).toBe(10);
      expect(statuses.filter((s) => s === 429).length).toBe(990);
      const last = await postJson(`${t.baseUrl}/api/screens/pair`, {
        code: "ZZZZZZ",
        name: "x",
        districtId: "dalian",
      });
      expect(JSON.stringify(last.body)).toMatch(/try again in \d+ s/);
    } finally {
      await t.stop();
      removeDataDir(t.dataDir);
    }
  });
});
