import { randomUUID } from "node:crypto";
import type { Express } from "express";
import { io as connect } from "socket.io-client";
import { beforeAll, describe, expect, it } from "vitest";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { PlayReceiptSchema, type PlayRecord } from "../../shared/schemas/proofOfPlay";
import { PairingOfferSchema } from "../../shared/schemas/screen";
import { buildEntryInput } from "../support/entryFactory";
import { createUser, fetchAs, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  pairKiosk,
  SyncAck,
  TEST_ADMIN,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

/** Who tries each route. */
const principals = ["anonymous", "kiosk", "operatorB", "operatorA", "moderatorA", "admin"] as const;
type Who = (typeof principals)[number];
const users = ["operatorB", "operatorA", "moderatorA", "admin"] as const;

interface Rule {
  /** Who passes the authorization check; everyone else must get 401 or 403. */
  allow: readonly Who[];
  /** A list route: operatorB's answer must hold nothing of district A, operatorA's must. */
  listsA?: boolean;
  /** The request body; by default one that fails validation, so an allowed call changes nothing. */
  body?: () => unknown;
}

const anyone = principals;
const signedIn = users;
const readersA = ["operatorA", "moderatorA", "admin"] as const;
const operatorsA = ["operatorA", "admin"] as const;
const moderatorsA = ["moderatorA", "admin"] as const;
const adminOnly = ["admin"] as const;

const A = "matrix-a";
const B = "matrix-b";

/**
 * The expected outcome of every HTTP route, keyed "METHOD /path" as express declares it. The
 * test enumerates the routes from the running app, so a route added without a rule here fails.
 */
const rules: Record<string, Rule> = {
  "POST /api/auth/login": { allow: anyone },
  "POST /api/auth/logout": { allow: signedIn },
  "GET /api/auth/me": { allow: signedIn },
  "POST /api/auth/password": { allow: signedIn },
  "GET /api/setup": { allow: anyone },
  "POST /api/setup": { allow: anyone },
  "GET /api/announcements": { allow: signedIn },
  "POST /api/announcements": { allow: adminOnly },
  "GET /api/districts": { allow: signedIn, listsA: true },
  "POST /api/districts": {
    allow: adminOnly,
    body: () => ({ id: `${A}-sub`, parentId: A, nameZh: "子区", nameEn: "Sub" }),
  },
  "GET /api/districts/:id": { allow: readersA },
  "PUT /api/districts/:id": { allow: adminOnly },
  "GET /api/districts/:id/schedule": { allow: readersA },
  "PUT /api/districts/:id/schedule": { allow: operatorsA },
  "DELETE /api/districts/:id/schedule": { allow: operatorsA },
  "GET /api/districts/:id/timeline": { allow: readersA },
  "GET /api/emergencies": { allow: signedIn, listsA: true },
  "POST /api/emergencies": {
    allow: operatorsA,
    body: () => ({ title: "演练", body: "消防演练", districtIds: [A] }),
  },
  "POST /api/emergencies/:id/clear": { allow: operatorsA },
  "GET /api/entries": { allow: signedIn, listsA: true },
  "POST /api/entries": {
    allow: operatorsA,
    body: () => buildEntryInput({ districtIds: [A] }),
  },
  "GET /api/entries/review-queue": { allow: moderatorsA },
  "POST /api/entries/bulk-approve": { allow: moderatorsA },
  "GET /api/entries/:id": { allow: readersA },
  "PATCH /api/entries/:id": { allow: operatorsA },
  "POST /api/entries/:id/approve": { allow: moderatorsA },
  "POST /api/entries/:id/reject": { allow: moderatorsA },
  "POST /api/entries/:id/revoke": { allow: readersA },
  "PUT /api/entries/:id/regions": { allow: moderatorsA },
  "PUT /api/entries/:id/crop": { allow: moderatorsA },
  "PUT /api/entries/:id/cover-all": { allow: moderatorsA },
  "GET /api/entries/:id/raw-photo": { allow: moderatorsA },
  "GET /api/entries/:id/renditions/:variant": { allow: readersA },
  "GET /api/entries/:id/plays": { allow: readersA },
  "PUT /api/entries/:id/photo": { allow: operatorsA },
  "POST /api/imports": { allow: operatorsA, body: () => importForm() },
  "GET /api/screens": { allow: signedIn, listsA: true },
  "POST /api/screens/pair": {
    allow: operatorsA,
    body: () => ({ code: "ZZZZZZ", name: "矩阵屏", districtId: A }),
  },
  "GET /api/screens/:id": { allow: readersA },
  "GET /api/screens/:id/timeline": { allow: readersA },
  "GET /api/screens/:id/plays": { allow: readersA },
  "PATCH /api/screens/:id": { allow: operatorsA },
  "POST /api/screens/:id/revoke": { allow: operatorsA },
  "POST /api/screens/:id/rotate-token": { allow: operatorsA },
  "POST /api/screens/:id/identify": { allow: operatorsA, body: () => ({ seconds: 3 }) },
  "POST /api/screens/:id/reload": { allow: operatorsA, body: () => ({}) },
  "GET /api/users": { allow: adminOnly },
  "POST /api/users": { allow: adminOnly },
  "GET /api/users/:id": { allow: adminOnly },
  "PATCH /api/users/:id": { allow: adminOnly },
  "POST /api/users/:id/reset-password": { allow: adminOnly },
  "GET /api/audit": { allow: adminOnly },
  "GET /api/audit/verify": { allow: adminOnly },
  "GET /api/audit/export": { allow: adminOnly },
  "GET /api/takedowns": { allow: signedIn },
  "GET /api/plays/export": { allow: signedIn },
  "GET /kiosk/renditions/:hash": { allow: ["kiosk"] },
  // An entry's public notice page and its redacted photo: for anyone on the street.
  "GET /n/:publicId": { allow: anyone },
  "GET /n/:publicId/photo": { allow: anyone },
};

/** An import of one valid row into district A: only the district check can refuse it. */
function importForm(): FormData {
  const form = new FormData();
  form.set("kind", "discredited");
  form.set("districtIds", A);
  form.set("expiryDate", "2029-12-31");
  form.set("file", new Blob(["被执行人姓名\n"]), "export.csv");
  return form;
}

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Every "METHOD /path" under /api, read from the running express app's router stack. */
function enumerateRoutes(app: Express): string[] {
  const found = new Set<string>();
  const walk = (stack: Layer[], prefix: string): void => {
    for (const layer of stack) {
      const paths = (p: string | string[] | undefined): string[] =>
        p === undefined ? [""] : Array.isArray(p) ? p : [p];
      if (layer.route) {
        for (const path of paths(layer.route.path))
          for (const [method, on] of Object.entries(layer.route.methods))
            if (on && method !== "_all")
              found.add(`${method.toUpperCase()} ${`${prefix}${path}`.replace(/(.)\/$/, "$1")}`);
      } else if (layer.handle.stack) {
        for (const path of paths(layer.rawPath))
          walk(layer.handle.stack, `${prefix}${path === "/" ? "" : path}`);
      }
    }
  };
  const router = (app as unknown as { router: { stack: Layer[] } }).router;
  walk(router.stack, "");
  return [...found].filter((r) => /^\/(api|kiosk|n)\//.test(r.split(" ")[1] ?? "")).sort();
}

describe("authorization matrix: every route and socket event, as every kind of caller", () => {
  const server = useTestServer();
  const who = {} as Record<(typeof users)[number], TestUser>;
  let kiosk: { socket: KioskSocket; token: string; screenId: string };
  const ids = { entry: "", emergency: "", victim: "" };

  beforeAll(async () => {
    const t = server();
    await createDistrict(t.baseUrl, "matrix-city");
    await createDistrict(t.baseUrl, A, "matrix-city");
    await createDistrict(t.baseUrl, B, "matrix-city");
    who.operatorA = await createUser(t.baseUrl, "operatorA", [{ role: "operator", scope: A }]);
    who.moderatorA = await createUser(t.baseUrl, "moderatorA", [{ role: "moderator", scope: A }]);
    who.operatorB = await createUser(t.baseUrl, "operatorB", [{ role: "operator", scope: B }]);
    const adminCookie = (await api(`${t.baseUrl}/api/auth/me`)).headers; // warm the admin session
    expect(adminCookie).toBeDefined();
    who.admin = {
      ...who.operatorA,
      id: "",
      email: TEST_ADMIN.email,
      fetch: (url, init) => api(url, init),
      post: (url, body) =>
        api(url, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: JSON.stringify(body),
        }),
    };
    const victim = await createUser(t.baseUrl, "victim", []);
    ids.victim = victim.id;
    const entry = await who.operatorA.post(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: [A] }),
    );
    expect(entry.status).toBe(201);
    ids.entry = ((await entry.json()) as { entry: { id: string } }).entry.id;
    const emergency = await who.operatorA.post(`${t.baseUrl}/api/emergencies`, {
      title: "停电",
      body: "A 区停电演练",
      districtIds: [A],
    });
    expect(emergency.status).toBe(201);
    ids.emergency = ((await emergency.json()) as { emergency: { id: string } }).emergency.id;
    kiosk = await pairKiosk(t.baseUrl, A);
    // One change-log version, so a kiosk has something to acknowledge.
    const published = await who.admin.post(`${t.baseUrl}/api/announcements`, { title: "通知" });
    expect(published.status).toBe(201);
  });

  it("has a rule for every HTTP route the app serves, and no rule for a route it does not", () => {
    const routes = enumerateRoutes(server().server.app.expressApp);
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((r) => !(r in rules))).toEqual([]);
    expect(Object.keys(rules).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it("answers each socket event only as its rule says", async () => {
    const t = server();
    const anonymous = await connectKiosk(t.baseUrl);
    const consoleUser = connect(t.baseUrl, {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      extraHeaders: { Cookie: who.admin.cookie },
    }) as KioskSocket;
    await new Promise<void>((resolve, reject) => {
      consoleUser.once("connect", resolve);
      consoleUser.once("connect_error", reject);
    });
    try {
      // The events the server listens for, read from its live sockets (paired and not).
      const events = new Set<string>();
      for (const s of t.server.app.io.sockets.sockets.values())
        for (const e of s.eventNames()) if (typeof e === "string") events.add(e);
      for (const builtIn of ["disconnect", "disconnecting", "error"]) events.delete(builtIn);
      expect([...events].sort()).toEqual([
        "kiosk:applied",
        "kiosk:hello",
        "kiosk:plays",
        "pairing:request",
        "screen:status",
      ]);

      const display = { width: 1920, height: 1080, appVersion: "matrix" };
      const offer = ackSchema(PairingOfferSchema);
      // pairing:request: anyone unpaired (a kiosk waiting for a code); a paired kiosk is refused.
      for (const s of [anonymous, consoleUser])
        expect(offer.parse(await s.timeout(5000).emitWithAck("pairing:request", display)).ok).toBe(
          true,
        );
      const paired = offer.parse(
        await kiosk.socket.timeout(5000).emitWithAck("pairing:request", display),
      );
      expect(paired.ok).toBe(false);

      // kiosk:hello: only a paired kiosk gets its district's content.
      for (const s of [anonymous, consoleUser]) {
        const r = SyncAck.parse(
          await s.timeout(5000).emitWithAck("kiosk:hello", { appliedVersion: 0 }),
        );
        expect(r.ok ? "ok" : r.error.code).toBe("unauthenticated");
      }
      const sync = SyncAck.parse(
        await kiosk.socket.timeout(5000).emitWithAck("kiosk:hello", { appliedVersion: 0 }),
      );
      expect(sync.ok && sync.data.district?.id).toBe(A);

      // screen:status: only a paired kiosk's report is recorded, against its own screen.
      const status = {
        appVersion: "matrix",
        appliedVersion: 0,
        uptimeSeconds: 5,
        memoryMb: 321,
        width: 1920,
        height: 1080,
        currentSlide: null,
      };
      anonymous.emit("screen:status", { ...status, memoryMb: 666 });
      consoleUser.emit("screen:status", { ...status, memoryMb: 666 });
      kiosk.socket.emit("screen:status", status);
      const db = t.server.store.db;
      await expect
        .poll(
          async () =>
            (
              await db
                .selectFrom("screens")
                .select("memory_mb")
                .where("id", "=", kiosk.screenId)
                .executeTakeFirst()
            )?.memory_mb,
        )
        .toBe(321);
      const others = await db.selectFrom("screens").select("memory_mb").execute();
      expect(others.map((r) => r.memory_mb)).not.toContain(666);

      // kiosk:applied: only a paired kiosk acknowledges, for its own screen, and never beyond
      // the newest version the server issued.
      const newest = sync.ok ? sync.data.version : 0;
      expect(newest).toBeGreaterThan(0);
      const applied = async () =>
        (await db.selectFrom("screens").select(["id", "applied_version"]).execute()).map(
          (r) => [r.id, Number(r.applied_version)] as const,
        );
      const flushed = () => new Promise((r) => setTimeout(r, 600)); // acks are written every 250 ms
      kiosk.socket.emit("kiosk:applied", { version: newest + 1000 });
      await flushed();
      expect(new Map(await applied()).get(kiosk.screenId)).toBe(0);
      anonymous.emit("kiosk:applied", { version: newest });
      consoleUser.emit("kiosk:applied", { version: newest });
      kiosk.socket.emit("kiosk:applied", { version: newest });
      await expect.poll(async () => new Map(await applied()).get(kiosk.screenId)).toBe(newest);
      expect((await applied()).filter(([id, v]) => id !== kiosk.screenId && v > 0)).toEqual([]);

      // kiosk:plays: only a paired kiosk's proof of play is stored, against its own screen.
      const play: PlayRecord = {
        id: randomUUID(),
        // Content this screen was sent: district A's emergency (anything else is refused).
        kind: "emergency",
        contentId: ids.emergency,
        version: 1,
        startedAt: new Date().toISOString(),
        durationMs: 8000,
      };
      const receipt = ackSchema(PlayReceiptSchema);
      for (const s of [anonymous, consoleUser]) {
        const r = receipt.parse(
          await s
            .timeout(5000)
            .emitWithAck("kiosk:plays", { plays: [{ ...play, id: randomUUID() }] }),
        );
        expect(r.ok ? "ok" : r.error.code).toBe("unauthenticated");
      }
      const stored = receipt.parse(
        await kiosk.socket.timeout(5000).emitWithAck("kiosk:plays", { plays: [play] }),
      );
      expect(stored).toEqual({ ok: true, data: { stored: 1, duplicates: 0, refused: 0 } });
      expect(
        (await db.selectFrom("plays").select(["screen_id", "play_id"]).execute()).map(
          (r) => `${r.screen_id}/${r.play_id}`,
        ),
      ).toEqual([`${kiosk.screenId}/${play.id}`]);
    } finally {
      anonymous.disconnect();
      consoleUser.disconnect();
    }
  });

  it("gives every route the expected outcome for each caller", async () => {
    const t = server();
    const routes = enumerateRoutes(t.server.app.expressApp);
    // Kiosk routes first, while the kiosk's token is valid (later routes revoke the screen);
    // signing out ends the session the other checks use, so it goes last.
    const rank = (r: string): number =>
      r.includes(" /kiosk/") ? 0 : r.endsWith("/logout") ? 2 : 1;
    routes.sort((a, b) => rank(a) - rank(b));
    const failures: string[] = [];
    for (const route of routes) {
      const rule = rules[route];
      if (!rule) {
        failures.push(`${route} has no rule`);
        continue;
      }
      const [method = "GET", pattern = ""] = route.split(" ");
      const resource = pattern.split("/")[2];
      const param =
        resource === "entries"
          ? ids.entry
          : resource === "screens"
            ? kiosk.screenId
            : resource === "districts"
              ? A
              : resource === "emergencies"
                ? ids.emergency
                : ids.victim;
      const url = `${t.baseUrl}${pattern
        .replace(":id", param)
        .replace(":variant", "display")
        .replace(":hash", "0".repeat(64))}`;
      for (const caller of principals) {
        const headers = new Headers();
        let body: BodyInit | undefined;
        if (method !== "GET") {
          const value = rule.body ? rule.body() : { matrixProbe: true };
          if (value instanceof FormData) body = value;
          else {
            body = JSON.stringify(value);
            headers.set("Content-Type", "application/json");
          }
        }
        if (caller === "kiosk") headers.set("Authorization", `Bearer ${kiosk.token}`);
        const init: RequestInit = { method, headers, ...(body !== undefined ? { body } : {}) };
        const res =
          caller === "anonymous" || caller === "kiosk"
            ? await api(url, { ...init, anonymous: true })
            : caller === "admin"
              ? await api(url, init)
              : await fetchAs(who[caller].cookie)(url, init);
        const text = await res.text();
        const allowed = (rule.allow as readonly string[]).includes(caller);
        const denied = res.status === 401 || res.status === 403;
        if (allowed === denied || res.status >= 500)
          failures.push(`${route} as ${caller}: ${res.status} ${text.slice(0, 160)}`);
        if (rule.listsA && method === "GET" && res.status === 200) {
          if (caller === "operatorB" && text.includes(A))
            failures.push(`${route} as operatorB shows district A's items`);
          if (caller === "operatorA" && !text.includes(A))
            failures.push(`${route} as operatorA misses district A's items`);
        }
      }
    }
    expect(failures).toEqual([]);
  });
});
