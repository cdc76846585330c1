import { randomUUID } from "node:crypto";
import type { Express } from "express";
import { io as connect } from "socket.io-client";
import sharp from "sharp";
import { beforeAll, describe, expect, it } from "vitest";
import { may, permissionNames, type Permission } from "../../shared/access/permissions";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { namespaces } from "../../shared/protocol/namespaces";
import type { RoleGrant } from "../../shared/schemas/account";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { PlayReceiptSchema, type PlayRecord } from "../../shared/schemas/proofOfPlay";
import { PairingOfferSchema } from "../../shared/schemas/screen";
import { singleFacePortrait } from "../fixtures/singleFace";
import { publishAnnouncement } from "../support/announcements";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen, displayHash } from "../support/entryPublishing";
import { createUser, fetchAs, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  namespaceUrl,
  pairKiosk,
  requestPairingCode,
  SyncAck,
  TEST_ADMIN,
  useTestServer,
  waitForRedaction,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

/** Who tries each route. */
const principals = [
  "anonymous",
  "kiosk",
  "operatorB",
  "operatorA",
  "moderatorA",
  "moderatorB",
  "adminB",
  "admin",
] as const;
type Who = (typeof principals)[number];
const users = ["operatorB", "operatorA", "moderatorA", "moderatorB", "adminB", "admin"] as const;

/** Where a route checks its permission: anywhere (its gate), over district A, or the whole city. */
type Over = "somewhere" | "district A" | "city";

interface Rule {
  /**
   * Who passes the authorization check (everyone else must get 401 or 403): a fixed list for the
   * routes outside the permission table; else the permission the route checks and where, and the
   * callers the shared table lets take it there pass.
   */
  allow: readonly Who[] | { permission: Permission; over: Over };
  /** A list route: operatorB's answer must hold nothing of district A, operatorA's must. */
  listsA?: boolean;
  /** The request body; by default one that fails validation, so an allowed call changes nothing. */
  body?: () => unknown;
  /**
   * What an allowed caller gets when it is not a 2xx, and why; without it an allowed caller must
   * get a 2xx. A 404 or 409 is never taken on trust: the route names it here or it fails.
   */
  answer?: { status: number; code: string; because: string };
  /**
   * The route hides what the caller may not read: a caller who holds the permission somewhere
   * else gets a 404 `not_found`, as for something that does not exist, instead of a 403.
   */
  hidesOutOfScope?: boolean;
  /** A new target for each allowed call (`:id`, body), for a route whose success uses it up. */
  fresh?: (t: TestServer, opened: KioskSocket[]) => Promise<{ id?: string; body?: unknown }>;
}

/** The answer of an allowed call with the default body: refused by validation, nothing changed. */
const probeRefused = {
  status: 400,
  code: "validation_failed",
  because: "the probe body fails validation, so an allowed call changes nothing",
} as const;

/** A screen of district A paired for one call that revokes it or replaces its token. */
async function freshScreen(t: TestServer, opened: KioskSocket[]): Promise<{ id: string }> {
  const paired = await pairKiosk(t.baseUrl, A, "矩阵一次性屏");
  opened.push(paired.socket);
  return { id: paired.screenId };
}

const anyone = principals;
const signedIn = users;
const somewhere = (permission: Permission) => ({ permission, over: "somewhere" }) as const;
const overA = (permission: Permission) => ({ permission, over: "district A" }) as const;
const citywide = (permission: Permission) => ({ permission, over: "city" }) as const;

const CITY = "matrix-city";
const A = "matrix-a";
const B = "matrix-b";

/** The roles each signed-in caller holds; the users are created with exactly these. */
const grantsOf: Record<(typeof users)[number], RoleGrant[]> = {
  operatorB: [{ role: "operator", scope: B }],
  operatorA: [{ role: "operator", scope: A }],
  moderatorA: [{ role: "moderator", scope: A }],
  moderatorB: [{ role: "moderator", scope: B }],
  // An admin of one district only: every power there, none over district A or the city.
  adminB: [{ role: "admin", scope: B }],
  admin: [{ role: "admin", scope: "*" }],
};

/** The callers a rule lets through: for a table route, those the shared table lets through. */
function allowed(rule: Rule): readonly Who[] {
  if (!("permission" in rule.allow)) return rule.allow;
  const { permission, over } = rule.allow;
  // District A lies in the city: a role over either covers it.
  const where = over === "somewhere" ? undefined : over === "city" ? "*" : [A, CITY];
  return users.filter((u) => may(grantsOf[u], permission, where));
}

/**
 * The expected outcome of every HTTP route, keyed "METHOD /path" as express declares it. The
 * test enumerates the routes from the running app, so a route added without a rule here fails.
 */
const rules: Record<string, Rule> = {
  "POST /api/auth/login": { allow: anyone, answer: probeRefused },
  "POST /api/auth/logout": { allow: signedIn },
  "GET /api/auth/me": { allow: signedIn },
  "POST /api/auth/password": { allow: signedIn, answer: probeRefused },
  "GET /api/setup": { allow: anyone },
  // The API description says what the API is, never what it holds: public.
  "GET /api/openapi.json": { allow: anyone },
  "POST /api/setup": { allow: anyone, answer: probeRefused },
  "GET /api/announcements": { allow: somewhere("announcement.read") },
  "POST /api/announcements": { allow: somewhere("announcement.edit"), answer: probeRefused },
  "GET /api/announcements/:id": { allow: overA("announcement.read") },
  "PATCH /api/announcements/:id": { allow: overA("announcement.edit"), answer: probeRefused },
  "POST /api/announcements/:id/submit": { allow: overA("announcement.edit"), answer: probeRefused },
  "POST /api/announcements/:id/approve": {
    allow: overA("announcement.approve"),
    answer: probeRefused,
  },
  "POST /api/announcements/:id/reject": {
    allow: overA("announcement.approve"),
    answer: probeRefused,
  },
  "POST /api/announcements/:id/withdraw": {
    allow: overA("announcement.withdraw"),
    answer: probeRefused,
  },
  "PUT /api/announcements/:id/poster": {
    allow: overA("announcement.edit"),
    answer: {
      status: 415,
      code: "unsupported_media_type",
      because: "the probe is JSON, not a poster upload: nothing is stored",
    },
  },
  "DELETE /api/announcements/:id/poster": {
    allow: overA("announcement.edit"),
    answer: { status: 404, code: "not_found", because: "the announcement has no poster to remove" },
  },
  "GET /api/announcements/:id/poster": {
    allow: overA("announcement.read"),
    answer: { status: 404, code: "not_found", because: "the announcement has no poster to show" },
  },
  "POST /api/announcements/:id/poster/confirm": {
    allow: overA("announcement.approve"),
    answer: probeRefused,
  },
  "PUT /api/announcements/:id/poster/regions": {
    allow: overA("announcement.edit"),
    answer: probeRefused,
  },
  "GET /api/districts": { allow: somewhere("district.read"), listsA: true },
  "POST /api/districts": {
    allow: overA("district.manage"),
    body: () => ({ id: `${A}-sub`, parentId: A, nameZh: "子区", nameEn: "Sub" }),
  },
  "GET /api/districts/:id": { allow: overA("district.read") },
  "PUT /api/districts/:id": { allow: overA("district.manage"), answer: probeRefused },
  "POST /api/districts/:id/settings/approval": {
    allow: overA("district.approve"),
    answer: probeRefused,
  },
  "GET /api/districts/:id/schedule": { allow: overA("district.read") },
  "PUT /api/districts/:id/schedule": { allow: overA("schedule.edit"), answer: probeRefused },
  "DELETE /api/districts/:id/schedule": { allow: overA("schedule.edit") },
  "POST /api/districts/:id/schedule/idle-slide/approval": {
    allow: overA("schedule.approve"),
    answer: probeRefused,
  },
  "GET /api/districts/:id/timeline": { allow: overA("district.read") },
  "GET /api/emergencies": { allow: somewhere("emergency.read"), listsA: true },
  "POST /api/emergencies": {
    allow: overA("emergency.raise"),
    body: () => ({ title: "演练", body: "消防演练", districtIds: [A] }),
  },
  "GET /api/emergencies/review-queue": { allow: somewhere("emergency.review") },
  "GET /api/emergencies/:id/reach": { allow: overA("emergency.read") },
  // The probe body fails validation before four eyes or the notice's state are looked at.
  "POST /api/emergencies/:id/confirm": { allow: overA("emergency.review"), answer: probeRefused },
  "POST /api/emergencies/:id/approve": { allow: overA("emergency.review"), answer: probeRefused },
  "POST /api/emergencies/:id/pull": { allow: overA("emergency.review"), answer: probeRefused },
  "POST /api/emergencies/:id/clear": {
    allow: overA("emergency.clear"),
    // Each allowed caller clears an emergency of its own: a cleared one cannot be cleared again.
    fresh: async (t) => {
      const raised = await api(`${t.baseUrl}/api/emergencies`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ title: "演练", body: "再次演练", districtIds: [A] }),
      });
      expect(raised.status).toBe(201);
      return { id: ((await raised.json()) as { emergency: { id: string } }).emergency.id };
    },
  },
  "GET /api/entries": { allow: somewhere("entry.read"), listsA: true },
  "POST /api/entries": {
    allow: overA("entry.create"),
    body: () => buildEntryInput({ districtIds: [A] }),
  },
  "GET /api/entries/review-queue": { allow: somewhere("entry.review") },
  "POST /api/entries/bulk-approve": { allow: somewhere("entry.approve"), answer: probeRefused },
  "GET /api/entries/:id": { allow: overA("entry.read") },
  "PATCH /api/entries/:id": { allow: overA("entry.edit"), answer: probeRefused },
  "POST /api/entries/:id/approve": { allow: overA("entry.approve"), answer: probeRefused },
  "POST /api/entries/:id/reject": { allow: overA("entry.reject"), answer: probeRefused },
  "POST /api/entries/:id/revoke": { allow: overA("entry.revoke"), answer: probeRefused },
  "PUT /api/entries/:id/regions": { allow: overA("entry.redact"), answer: probeRefused },
  "PUT /api/entries/:id/crop": { allow: overA("entry.redact"), answer: probeRefused },
  "PUT /api/entries/:id/cover-all": { allow: overA("entry.redact"), answer: probeRefused },
  "GET /api/entries/:id/raw-photo": { allow: overA("entry.rawPhoto") },
  "GET /api/entries/:id/renditions/:variant": { allow: overA("entry.read") },
  "GET /api/entries/:id/plays": { allow: overA("entry.read") },
  "PUT /api/entries/:id/photo": {
    allow: overA("entry.edit"),
    answer: {
      status: 415,
      code: "unsupported_media_type",
      because: "the probe is JSON, not a photo upload: nothing is replaced",
    },
  },
  "POST /api/imports": {
    allow: overA("entry.import"),
    body: () => importForm(),
    answer: {
      status: 400,
      code: "validation_failed",
      because: "the file lacks the export's required columns: nothing is imported",
    },
  },
  "GET /api/screens": { allow: somewhere("screen.read"), listsA: true },
  "POST /api/screens/pair": {
    allow: overA("screen.pair"),
    body: () => ({ code: "ZZZZZZ", name: "矩阵屏", districtId: A }),
    // Each allowed caller enters a code a waiting kiosk was really offered.
    fresh: async (t, opened) => {
      const waiting = await connectKiosk(t.baseUrl);
      opened.push(waiting);
      return { body: { code: await requestPairingCode(waiting), name: "矩阵屏", districtId: A } };
    },
  },
  "GET /api/screens/:id": { allow: overA("screen.read") },
  "GET /api/screens/:id/timeline": { allow: overA("screen.read") },
  "GET /api/screens/:id/plays": { allow: overA("screen.read") },
  "GET /api/screens/:id/history": { allow: overA("screen.read"), hidesOutOfScope: true },
  "PATCH /api/screens/:id": { allow: overA("screen.manage"), answer: probeRefused },
  "PUT /api/screens/:id/tags": { allow: overA("screen.manage"), answer: probeRefused },
  "POST /api/screens/:id/revoke": { allow: overA("screen.manage"), fresh: freshScreen },
  "POST /api/screens/:id/rotate-token": { allow: overA("screen.manage"), fresh: freshScreen },
  "POST /api/screens/:id/identify": { allow: overA("screen.manage"), body: () => ({ seconds: 3 }) },
  "POST /api/screens/:id/reload": { allow: overA("screen.manage"), body: () => ({}) },
  // Users are managed inside one's own districts; the matrix's victim holds no role, so only an
  // admin of the whole city manages them.
  "GET /api/users": { allow: somewhere("user.manage"), listsA: true },
  "POST /api/users": { allow: somewhere("user.manage"), answer: probeRefused },
  "GET /api/users/:id": { allow: citywide("user.manage") },
  // A valid change: the route validates the body before it looks at whose user it is.
  "PATCH /api/users/:id": {
    allow: citywide("user.manage"),
    body: () => ({ displayName: "矩阵受害人" }),
  },
  "POST /api/users/:id/reset-password": { allow: citywide("user.manage") },
  "GET /api/audit": { allow: citywide("audit.read") },
  "GET /api/audit/verify": { allow: citywide("audit.read") },
  "GET /api/audit/export": { allow: citywide("audit.read") },
  "GET /api/takedowns": { allow: somewhere("takedown.read") },
  "GET /api/alerts": { allow: somewhere("alert.read") },
  "POST /api/alerts/seen": { allow: somewhere("alert.read"), body: () => ({}) },
  "GET /api/alerts/webhook": { allow: citywide("alert.webhook") },
  "GET /api/plays/export": { allow: somewhere("play.export") },
  // Kiosk releases are the whole city's: admins of the city read and change them.
  "GET /api/kiosk-releases": { allow: citywide("release.read") },
  "POST /api/kiosk-releases/rollback": { allow: citywide("release.manage"), answer: probeRefused },
  "POST /api/kiosk-releases/:version/stage": {
    allow: citywide("release.manage"),
    answer: probeRefused,
  },
  "POST /api/kiosk-releases/:version/promote": {
    allow: citywide("release.manage"),
    answer: probeRefused,
  },
  // The update feed: a paired screen's token, then the channel and file names are checked.
  "GET /kiosk/updates/:channel/:file": {
    allow: ["kiosk"],
    answer: { ...probeRefused, because: "the probe names no channel, so nothing is served" },
  },
  "GET /kiosk/updates/:channel/files/:file": {
    allow: ["kiosk"],
    answer: { ...probeRefused, because: "the probe names no channel, so no file is served" },
  },
  "GET /api/districts/:id/report": { allow: overA("report.read"), hidesOutOfScope: true },
  "GET /kiosk/renditions/:hash": { allow: ["kiosk"] },
  // A screen's picture: asked and read over the screen's district; answered with its token.
  "POST /api/screens/:id/screenshots": { allow: overA("screen.screenshot"), body: () => ({}) },
  "GET /api/screens/:id/screenshots": { allow: overA("screen.screenshot") },
  "GET /api/screenshots/:id/image": {
    allow: overA("screen.screenshot"),
    // Others are probed with an id no picture has: not found for whoever may see some.
    hidesOutOfScope: true,
    fresh: async (t, opened) => {
      const screen = await pairKiosk(t.baseUrl, A, "矩阵截图屏");
      opened.push(screen.socket);
      const asked = new Promise<string>((resolve) =>
        screen.socket.once("screen:screenshot", (p: { requestId: string }) => resolve(p.requestId)),
      );
      const made = await api(`${t.baseUrl}/api/screens/${screen.screenId}/screenshots`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      });
      expect(made.status).toBe(202);
      const id = await asked;
      const png = await sharp({
        create: { width: 32, height: 32, channels: 3, background: "#336699" },
      })
        .png()
        .toBuffer();
      const sent = await fetch(`${t.baseUrl}/kiosk/screenshots/${id}`, {
        method: "POST",
        headers: { "Content-Type": "image/png", Authorization: `Bearer ${screen.token}` },
        body: new Uint8Array(png),
      });
      expect(sent.status).toBe(201);
      return { id };
    },
  },
  "POST /kiosk/screenshots/:requestId": {
    allow: ["kiosk"],
    answer: { ...probeRefused, because: "the probe names no request, so nothing is stored" },
  },
  "POST /kiosk/screenshots/:requestId/unavailable": {
    allow: ["kiosk"],
    answer: { ...probeRefused, because: "the probe names no request, so nothing changes" },
  },
  "GET /kiosk/posters/:hash": {
    allow: ["kiosk"],
    answer: {
      status: 404,
      code: "not_found",
      because: "the probe's hash is an entry photo's, not a published announcement's poster",
    },
  },
  // An entry's public notice page and its redacted photo: for anyone on the street.
  "GET /n/:publicId": { allow: anyone },
  "GET /n/:publicId/photo": { allow: anyone },
  // Objections: filed and followed by anyone on the notice page, decided by the moderators of
  // the entry's districts.
  "POST /n/:publicId/objections": { allow: anyone, answer: probeRefused },
  "GET /n/:publicId/objections": { allow: anyone },
  "GET /n/:publicId/objections/:reference": { allow: anyone },
  "GET /api/objections": { allow: somewhere("objection.read"), listsA: true },
  "GET /api/objections/:id": { allow: overA("objection.read") },
  "GET /api/objections/:id/document": {
    allow: overA("objection.read"),
    answer: { status: 404, code: "not_found", because: "the matrix's objection has no document" },
  },
  "POST /api/objections/:id/suspend": { allow: overA("objection.decide"), answer: probeRefused },
  "POST /api/objections/:id/dismiss": { allow: overA("objection.decide"), answer: probeRefused },
  "POST /api/objections/:id/forward": { allow: overA("objection.decide"), answer: probeRefused },
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
  /** An objection filed against the entry of district A (its id and public reference). */
  const objection = { id: "", reference: "" };
  const ids = {
    entry: "",
    emergency: "",
    victim: "",
    publicId: "",
    rendition: "",
    announcement: "",
  };

  beforeAll(async () => {
    const t = server();
    await createDistrict(t.baseUrl, CITY);
    await createDistrict(t.baseUrl, A, CITY);
    await createDistrict(t.baseUrl, B, CITY);
    who.operatorA = await createUser(t.baseUrl, "operatorA", grantsOf.operatorA);
    who.moderatorA = await createUser(t.baseUrl, "moderatorA", grantsOf.moderatorA);
    who.operatorB = await createUser(t.baseUrl, "operatorB", grantsOf.operatorB);
    who.moderatorB = await createUser(t.baseUrl, "moderatorB", grantsOf.moderatorB);
    who.adminB = await createUser(t.baseUrl, "adminB", grantsOf.adminB);
    // Warm the admin session: every admin call below rides on it.
    expect((await api(`${t.baseUrl}/api/auth/me`)).status).toBe(200);
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
    // An approved entry with a redacted photo, so its photo, rendition and notice routes answer
    // an allowed caller with the thing itself, not a 404.
    const form = new FormData();
    form.set("entry", JSON.stringify(buildEntryInput({ districtIds: [A] })));
    form.set("photo", new Blob([new Uint8Array(await singleFacePortrait())]), "photo.jpg");
    const entry = await who.operatorA.fetch(`${t.baseUrl}/api/entries`, {
      method: "POST",
      body: form,
    });
    expect(entry.status).toBe(201);
    ids.entry = ((await entry.json()) as { entry: { id: string } }).entry.id;
    const redacted = await waitForRedaction(t, ids.entry);
    expect(redacted.redactionStatus).toBe("done");
    ids.rendition = displayHash(redacted);
    expect((await approveAsSeen(t.baseUrl, who.moderatorA, ids.entry)).status).toBe(200);
    ids.publicId = redacted.publicId;
    const filed = await api(`${t.baseUrl}/n/${ids.publicId}/objections`, {
      method: "POST",
      anonymous: true,
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        name: "矩阵异议人",
        contact: "13800000000",
        text: "有误",
        consent: "yes",
      }),
    });
    expect(filed.status).toBe(201);
    objection.reference = (
      (await filed.json()) as { objection: { reference: string } }
    ).objection.reference;
    const queue = (await (await api(`${t.baseUrl}/api/objections`)).json()) as {
      objections: { id: string; reference: string }[];
    };
    objection.id = queue.objections.find((o) => o.reference === objection.reference)?.id ?? "";
    const emergency = await who.operatorA.post(`${t.baseUrl}/api/emergencies`, {
      title: "停电",
      body: "A 区停电演练",
      districtIds: [A],
    });
    expect(emergency.status).toBe(201);
    ids.emergency = ((await emergency.json()) as { emergency: { id: string } }).emergency.id;
    kiosk = await pairKiosk(t.baseUrl, A);
    // One change-log version, so a kiosk has something to acknowledge.
    await publishAnnouncement(t, { title: "通知" });
    // An announcement of district A in review: its routes answer callers over A.
    const inReview = await who.operatorA.post(`${t.baseUrl}/api/announcements`, {
      title: "A 区通知",
      target: { districtIds: [A] },
      submit: true,
    });
    expect(inReview.status).toBe(201);
    ids.announcement = (
      (await inReview.json()) as { announcement: { id: string } }
    ).announcement.id;
    // A photo's redaction and the objects of every route take their time on a loaded machine.
  }, 180_000);

  it("has a rule for every HTTP route the app serves, and no rule for a route it does not", () => {
    const routes = enumerateRoutes(server().server.app.expressApp);
    expect(routes.length).toBeGreaterThan(40);
    expect(routes.filter((r) => !(r in rules))).toEqual([]);
    expect(Object.keys(rules).filter((r) => !routes.includes(r))).toEqual([]);
  });

  it("checks every permission of the shared table on some route", () => {
    const checked = new Set(
      Object.values(rules).flatMap((r) => ("permission" in r.allow ? [r.allow.permission] : [])),
    );
    expect(permissionNames.filter((p) => !checked.has(p))).toEqual([]);
  });

  it("answers each socket event only as its rule says", async () => {
    const t = server();
    const anonymous = await connectKiosk(t.baseUrl);
    const previousRelease = await connectKiosk(t.baseUrl, undefined, namespaces.legacyKiosk);
    const opened = (namespace: string, headers: Record<string, string>) =>
      connect(namespaceUrl(t.baseUrl, namespace), {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        extraHeaders: headers,
      });
    // A kiosk socket from a signed-in browser, and that user's console socket.
    const consoleUser = opened(namespaces.kiosk, { Cookie: who.admin.cookie }) as KioskSocket;
    const consoleSocket = opened(namespaces.console, {
      Cookie: who.admin.cookie,
      Origin: t.baseUrl,
    });
    for (const s of [consoleUser, consoleSocket])
      await new Promise<void>((resolve, reject) => {
        s.once("connect", resolve);
        s.once("connect_error", reject);
      });
    try {
      // The events the server listens for, read from each namespace's live sockets (paired and
      // not): the kiosk protocol on both kiosk namespaces, nothing from a console.
      const listened = (namespace: string): string[] => {
        const events = new Set<string>();
        for (const s of t.server.app.io.of(namespace).sockets.values())
          for (const e of s.eventNames()) if (typeof e === "string") events.add(e);
        for (const builtIn of ["disconnect", "disconnecting", "error"]) events.delete(builtIn);
        return [...events].sort();
      };
      const kioskEvents = [
        "kiosk:applied",
        "kiosk:hello",
        "kiosk:plays",
        "pairing:request",
        "screen:status",
      ];
      expect(listened(namespaces.kiosk)).toEqual(kioskEvents);
      expect(listened(namespaces.legacyKiosk)).toEqual(kioskEvents);
      expect(t.server.app.io.of(namespaces.console).sockets.size).toBe(1);
      expect(listened(namespaces.console)).toEqual([]);

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
      for (const s of [anonymous, previousRelease, consoleUser, consoleSocket]) s.disconnect();
    }
  });

  it("refuses to move an entry or a screen into a district the caller holds no rights over, and changes nothing", async () => {
    const t = server();
    const created = await who.operatorA.post(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: [A] }),
    );
    expect(created.status).toBe(201);
    const entryId = ((await created.json()) as { entry: { id: string } }).entry.id;
    const screen = await pairKiosk(t.baseUrl, A, "搬迁屏");
    const entryNow = async () =>
      EntryViewSchema.parse(
        ((await (await api(`${t.baseUrl}/api/entries/${entryId}`)).json()) as { entry: unknown })
          .entry,
      );
    const screenDistrict = async () =>
      (
        (await (await api(`${t.baseUrl}/api/screens/${screen.screenId}`)).json()) as {
          screen: { districtId: string };
        }
      ).screen.districtId;
    const patch = (caller: "operatorA" | "adminB" | "admin", path: string, body: unknown) =>
      who[caller].fetch(`${t.baseUrl}${path}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
    try {
      const before = await entryNow();
      // operatorA holds district A, not B; adminB holds B, not A: each lacks one side of the move.
      for (const caller of ["operatorA", "adminB"] as const) {
        for (const districtIds of [[B], [A, B]]) {
          const moved = await patch(caller, `/api/entries/${entryId}`, { districtIds });
          expect([caller, districtIds, moved.status]).toEqual([caller, districtIds, 403]);
        }
        const movedScreen = await patch(caller, `/api/screens/${screen.screenId}`, {
          districtId: B,
        });
        expect([caller, movedScreen.status]).toEqual([caller, 403]);
      }
      const after = await entryNow();
      expect(after.districtIds).toEqual([A]);
      expect(after.revision).toBe(before.revision);
      expect(await screenDistrict()).toBe(A);

      // The same bodies from a caller who holds both districts move them: the refusals above
      // were the target district's check, not a malformed request.
      expect((await patch("admin", `/api/entries/${entryId}`, { districtIds: [B] })).status).toBe(
        200,
      );
      expect((await entryNow()).districtIds).toEqual([B]);
      expect(
        (await patch("admin", `/api/screens/${screen.screenId}`, { districtId: B })).status,
      ).toBe(200);
      expect(await screenDistrict()).toBe(B);
    } finally {
      screen.socket.disconnect();
    }
  });

  it("gives every route the expected outcome for each caller", async () => {
    const t = server();
    const routes = enumerateRoutes(t.server.app.expressApp);
    // Kiosk routes first, while the kiosk's token is valid; signing out ends the session the
    // other checks use, so it goes last.
    const rank = (r: string): number =>
      r.includes(" /kiosk/") ? 0 : r.endsWith("/logout") ? 2 : 1;
    routes.sort((a, b) => rank(a) - rank(b));
    const failures: string[] = [];
    const opened: KioskSocket[] = [];
    try {
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
                : resource === "objections"
                  ? objection.id
                  : resource === "emergencies"
                    ? ids.emergency
                    : resource === "announcements"
                      ? ids.announcement
                      : ids.victim;
        for (const caller of principals) {
          const passes = allowed(rule).includes(caller);
          const target = passes && rule.fresh ? await rule.fresh(t, opened) : {};
          const url = `${t.baseUrl}${pattern
            .replace(":publicId", ids.publicId)
            .replace(":reference", objection.reference)
            .replace(":id", target.id ?? param)
            .replace(":variant", "display")
            .replace(":hash", ids.rendition)}`;
          const headers = new Headers();
          let body: BodyInit | undefined;
          if (method !== "GET") {
            const value = target.body ?? (rule.body ? rule.body() : { matrixProbe: true });
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
          const got = `${route} as ${caller}: ${res.status} ${text.slice(0, 160)}`;
          if (!passes) {
            const hidden =
              rule.hidesOutOfScope === true &&
              res.status === 404 &&
              text.includes('"code":"not_found"') &&
              caller in grantsOf &&
              "permission" in rule.allow &&
              may(grantsOf[caller as (typeof users)[number]], rule.allow.permission);
            if (!hidden && res.status !== 401 && res.status !== 403)
              failures.push(`${got} (must be refused)`);
          } else if (rule.answer) {
            const { status, code, because } = rule.answer;
            if (res.status !== status || !text.includes(`"code":"${code}"`))
              failures.push(`${got} (expected ${status} ${code}: ${because})`);
          } else if (res.status < 200 || res.status > 299) {
            failures.push(`${got} (an allowed caller must get a 2xx)`);
          }
          if (rule.listsA && res.status === 200 && "permission" in rule.allow) {
            // Whoever holds the list's permission over district A sees its items; no one else.
            const seesA =
              caller in grantsOf &&
              may(grantsOf[caller as (typeof users)[number]], rule.allow.permission, [A, CITY]);
            if (text.includes(A) !== seesA)
              failures.push(
                `${route} as ${caller} ${seesA ? "misses" : "shows"} district A's items`,
              );
          }
        }
      }
    } finally {
      for (const s of opened) s.disconnect();
    }
    expect(failures).toEqual([]);
  });
});
