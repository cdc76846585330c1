import type { Kysely, Transaction } from "kysely";
import pino from "pino";
import { io, type Socket } from "socket.io-client";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { AuditLog } from "../../server/services/AuditLog";
import { RawVault } from "../../server/services/crypto/RawVault";
import { DistrictRegistry } from "../../server/services/DistrictRegistry";
import { EmergencyNotices } from "../../server/services/EmergencyNotices";
import type { Database } from "../../server/store/schema";
import type { ConsoleClientEvents, ConsoleServerEvents } from "../../shared/protocol/events";
import { namespaces } from "../../shared/protocol/namespaces";
import {
  EmergencyAnswerSchema,
  EmergencyListSchema,
  EmergencyReachSchema,
  type EmergencyReach,
  type EmergencyView,
} from "../../shared/schemas/schedule";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  namespaceUrl,
  pairKiosk,
  removeDataDir,
  startTestServer,
  syncKiosk,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

/** A kiosk that applies every change it is told of and acknowledges it, as the display does. */
interface ApplyingKiosk {
  socket: KioskSocket;
  screenId: string;
  /** The titles of the emergencies its last applied sync carried. */
  showing: () => string[];
  /** Disconnects it at the end of the tests (a sync this cuts short is no failure). */
  close: () => void;
}

async function applyingKiosk(baseUrl: string, districtId: string, name: string) {
  const { socket, screenId } = await pairKiosk(baseUrl, districtId, name);
  let applied = 0;
  let titles: string[] = [];
  let queue = Promise.resolve();
  const apply = () => {
    queue = queue.then(async () => {
      const delta = await syncKiosk(socket, applied);
      applied = delta.version;
      titles = delta.emergencies.map((e) => e.title);
      socket.emit("kiosk:applied", {
        version: delta.version,
        ...(delta.full ? { full: true } : {}),
      });
    });
    return queue;
  };
  await apply();
  let closing = false;
  // A sync cut short by the tests' own disconnect at the end is no failure; any other is.
  socket.on("content:changed", () => {
    apply().catch((err: unknown) => {
      if (!closing) throw err;
    });
  });
  const close = (): void => {
    closing = true;
    socket.disconnect();
  };
  return { socket, screenId, showing: () => titles, close } satisfies ApplyingKiosk;
}

/** Polls until `check` passes (at most 10 s); returns its last value. */
async function eventually<T>(read: () => Promise<T> | T, check: (v: T) => boolean): Promise<T> {
  const deadline = Date.now() + 10_000;
  for (;;) {
    const v = await read();
    if (check(v) || Date.now() > deadline) return v;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/**
 * `db`, whose next transaction starts only once `meanwhile` has run: a change that lands between
 * a service's first read and its transaction, deterministically.
 */
function landingMeanwhile(db: Kysely<Database>, meanwhile: () => Promise<void>): Kysely<Database> {
  let pending: (() => Promise<void>) | undefined = meanwhile;
  const transaction = () => ({
    execute: async <T>(work: (trx: Transaction<Database>) => Promise<T>): Promise<T> => {
      const run = pending;
      pending = undefined;
      if (run) await run();
      return db.transaction().execute(work);
    },
  });
  return new Proxy(db, {
    get(target, prop) {
      if (prop === "transaction") return transaction;
      const value: unknown = Reflect.get(target, prop, target);
      return typeof value === "function" ? (value as () => unknown).bind(target) : value;
    },
  });
}

async function post(user: TestUser, url: string, body: unknown) {
  const res = await user.post(url, body);
  return { status: res.status, body: (await res.json()) as unknown };
}

describe("emergency notices: text check, four eyes and reach per screen", () => {
  let t: TestServer;
  let operator: TestUser;
  /** Holds both rights in the bay: may send, may review, never their own. */
  let dual: TestUser;
  let moderator: TestUser;
  let hillOperator: TestUser;
  let hillModerator: TestUser;
  let east: ApplyingKiosk;
  let hill: ApplyingKiosk;
  /** A screen of the bay that never applies anything. */
  let idle: { socket: KioskSocket; screenId: string };
  const url = (path = "") => `${t.baseUrl}/api/emergencies${path}`;
  const emergencyOf = (body: unknown): EmergencyView => EmergencyAnswerSchema.parse(body).emergency;
  const reachOf = async (id: string, as: TestUser = moderator): Promise<EmergencyReach> =>
    EmergencyReachSchema.parse(await (await as.fetch(url(`/${id}/reach`))).json());
  const listed = async (as: TestUser, path = ""): Promise<EmergencyView[]> =>
    EmergencyListSchema.parse(await (await as.fetch(url(path))).json()).emergencies;

  beforeAll(async () => {
    t = await startTestServer();
    await createDistrict(t.baseUrl, "bay");
    await createDistrict(t.baseUrl, "bay-east", "bay");
    await createDistrict(t.baseUrl, "hill");
    await createDistrict(t.baseUrl, "hill-north", "hill");
    operator = await createUser(t.baseUrl, "Operator", [{ role: "operator", scope: "bay" }]);
    dual = await createUser(t.baseUrl, "Dual", [
      { role: "operator", scope: "bay" },
      { role: "moderator", scope: "bay" },
      { role: "operator", scope: "hill" },
      { role: "moderator", scope: "hill" },
    ]);
    moderator = await createUser(t.baseUrl, "Moderator", [{ role: "moderator", scope: "bay" }]);
    hillOperator = await createUser(t.baseUrl, "HillOp", [{ role: "operator", scope: "hill" }]);
    hillModerator = await createUser(t.baseUrl, "HillMod", [{ role: "moderator", scope: "hill" }]);
    east = await applyingKiosk(t.baseUrl, "bay-east", "东区一号屏");
    hill = await applyingKiosk(t.baseUrl, "hill-north", "北山屏");
    idle = await pairKiosk(t.baseUrl, "bay-east", "东区沉默屏");
  });
  afterAll(async () => {
    for (const k of [east, hill]) k?.close();
    idle?.socket.disconnect();
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it.each([
    ["a phone number in the title", { title: "走失老人 请联系13800138000" }, "title", "138…"],
    [
      "a name and an ID number in the text",
      { title: "协查通告", body: "被执行人张三，身份证号11010519491231002X" },
      "body",
      "110…",
    ],
  ])(
    "refuses %s: 400 personal_data, nothing stored, nothing sent",
    async (_what, text, path, hint) => {
      const before = (await syncKiosk(east.socket)).version;
      const res = await post(operator, url(), { districtIds: ["bay"], ...text });
      expect(res.status).toBe(400);
      const error = (
        res.body as { error: { code: string; message: string; issues: { path: string }[] } }
      ).error;
      expect(error.code).toBe("personal_data");
      expect(error.message).toContain(hint);
      expect(error.message).not.toMatch(/13800138000|11010519491231002X|张三/);
      expect(error.issues.map((i) => i.path)).toContain(path);
      expect(await listed(operator)).toEqual([]);
      const after = await syncKiosk(east.socket);
      expect(after.version).toBe(before);
      expect(after.emergencies).toEqual([]);
    },
  );

  it("lets a masked name and a case number through", async () => {
    const res = await post(operator, url(), {
      title: "执行公告",
      body: "被执行人张某，案号(2024)京0105执12345号，电话138****8000。",
      districtIds: ["bay-east"],
    });
    expect(res.status).toBe(201);
    const sent = emergencyOf(res.body);
    const clear = await operator.post(url(`/${sent.id}/clear`), {});
    expect(clear.status).toBe(200);
  });

  it("review-after: sent at once, the sender cannot review it, a moderator elsewhere cannot, a moderator pulls it and each screen acknowledges", async () => {
    const res = await post(dual, url(), {
      title: "燃气泄漏 请绕行",
      body: "东区滨海路封闭。",
      districtIds: ["bay"],
    });
    expect(res.status).toBe(201);
    const notice = emergencyOf(res.body);
    expect(notice).toMatchObject({ reviewState: "unreviewed", sentBy: dual.id, reviewedBy: null });
    await eventually(east.showing, (s) => s.includes("燃气泄漏 请绕行"));
    expect(east.showing()).toContain("燃气泄漏 请绕行");
    expect((await listed(moderator, "/review-queue")).map((e) => e.id)).toContain(notice.id);

    // The sender holds the moderator's right too, but not over their own notice.
    for (const action of ["confirm", "pull"]) {
      const own = await post(
        dual,
        url(`/${notice.id}/${action}`),
        action === "pull" ? { reason: "试试" } : {},
      );
      expect(own.status).toBe(403);
      expect((own.body as { error: { code: string } }).error.code).toBe("four_eyes");
    }
    const operatorTries = await post(operator, url(`/${notice.id}/confirm`), {});
    expect(operatorTries.status).toBe(403);
    const elsewhere = await post(hillModerator, url(`/${notice.id}/pull`), {
      reason: "不是我们的",
    });
    expect(elsewhere.status).toBe(403);
    expect((await post(moderator, url(`/${notice.id}/pull`), { reason: " " })).status).toBe(400);
    expect((await listed(operator))[0]).toMatchObject({ id: notice.id, reviewState: "unreviewed" });

    // The sending's reach: the applying screen acknowledges, the idle one stays missing.
    const sent = await eventually(
      () => reachOf(notice.id),
      (r) => (r.sent?.acknowledged ?? 0) >= 1,
    );
    expect(sent.sent).toMatchObject({ screens: 2, acknowledged: 1 });
    expect(sent.sent?.missing.map((m) => m.id)).toEqual([idle.screenId]);
    expect(sent.cleared).toBeNull();

    const pulled = await post(moderator, url(`/${notice.id}/pull`), { reason: "信息有误" });
    expect(pulled.status).toBe(200);
    expect(emergencyOf(pulled.body)).toMatchObject({
      reviewState: "pulled",
      reviewedBy: moderator.id,
      reviewReason: "信息有误",
    });
    expect(emergencyOf(pulled.body).clearedAt).not.toBeNull();
    await eventually(east.showing, (s) => s.length === 0);
    expect(east.showing()).toEqual([]);
    expect((await syncKiosk(east.socket)).emergencies).toEqual([]);
    const cleared = await eventually(
      () => reachOf(notice.id),
      (r) => (r.cleared?.acknowledged ?? 0) >= 1,
    );
    expect(cleared.cleared).toMatchObject({ screens: 2, acknowledged: 1 });
    expect(cleared.cleared?.missing.map((m) => m.name)).toEqual(["东区沉默屏"]);
    expect(cleared.cleared?.version).toBeGreaterThan(cleared.sent?.version ?? Infinity);
    expect((await listed(moderator, "/review-queue")).map((e) => e.id)).not.toContain(notice.id);
    // Pulled once is pulled: not again, and nothing to confirm.
    expect((await post(moderator, url(`/${notice.id}/pull`), { reason: "再次" })).status).toBe(409);
    expect((await post(moderator, url(`/${notice.id}/confirm`), {})).status).toBe(409);
  });

  it("counts a screen moved away before the pull as missing until it applied a full manifest where it is now", async () => {
    const wanderer = await pairKiosk(t.baseUrl, "bay-east", "东区流动屏");
    try {
      const res = await post(operator, url(), { title: "道路积水", districtIds: ["bay-east"] });
      const notice = emergencyOf(res.body);
      const first = await syncKiosk(wanderer.socket);
      expect(first.emergencies.map((e) => e.title)).toContain("道路积水");
      wanderer.socket.emit("kiosk:applied", { version: first.version, full: true });
      await eventually(
        () => reachOf(notice.id),
        (r) => !r.sent?.missing.some((m) => m.id === wanderer.screenId),
      );
      const moved = await api(`${t.baseUrl}/api/screens/${wanderer.screenId}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ districtId: "hill" }),
      });
      expect(moved.status).toBe(200);
      expect((await post(moderator, url(`/${notice.id}/pull`), { reason: "已退水" })).status).toBe(
        200,
      );
      const pulled = await reachOf(notice.id);
      expect(pulled.cleared?.missing.map((m) => m.id)).toContain(wanderer.screenId);

      const full = await syncKiosk(wanderer.socket);
      expect(full.full).toBe(true);
      expect(full.emergencies).toEqual([]);
      wanderer.socket.emit("kiosk:applied", { version: full.version, full: true });
      const after = await eventually(
        () => reachOf(notice.id),
        (r) => !r.cleared?.missing.some((m) => m.id === wanderer.screenId),
      );
      expect(after.cleared?.missing.map((m) => m.id)).not.toContain(wanderer.screenId);
    } finally {
      wanderer.socket.disconnect();
    }
  });

  it("a moderator confirms a notice sent at once; it stays on the screens", async () => {
    const res = await post(operator, url(), { title: "临时交通管制", districtIds: ["bay-east"] });
    const notice = emergencyOf(res.body);
    const confirmed = await post(moderator, url(`/${notice.id}/confirm`), {});
    expect(confirmed.status).toBe(200);
    expect(emergencyOf(confirmed.body)).toMatchObject({
      reviewState: "confirmed",
      reviewedBy: moderator.id,
      clearedAt: null,
    });
    expect((await post(moderator, url(`/${notice.id}/confirm`), {})).status).toBe(409);
    await eventually(east.showing, (s) => s.includes("临时交通管制"));
    expect(east.showing()).toContain("临时交通管制");
    expect((await operator.post(url(`/${notice.id}/clear`), {})).status).toBe(200);
    await eventually(east.showing, (s) => s.length === 0);
    expect(east.showing()).toEqual([]);
  });

  it("two-person: a district requiring approval (inherited) holds the notice until a second person approves it", async () => {
    const setting = await api(`${t.baseUrl}/api/districts/hill`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        id: "hill",
        parentId: null,
        nameZh: "hill区",
        nameEn: "hill district",
        emergencyApproval: "two-person",
      }),
    });
    expect(setting.status).toBe(200);
    expect(
      ((await setting.json()) as { district: { emergencyApproval: string } }).district,
    ).toMatchObject({ emergencyApproval: "two-person" });

    // An open console hears of the held notice, though no screen does.
    const console: Socket<ConsoleServerEvents, ConsoleClientEvents> = io(
      namespaceUrl(t.baseUrl, namespaces.console),
      {
        transports: ["websocket"],
        forceNew: true,
        reconnection: false,
        extraHeaders: { Cookie: hillModerator.cookie, Origin: t.baseUrl },
      },
    );
    await new Promise<void>((resolve, reject) => {
      console.once("connect", resolve);
      console.once("connect_error", reject);
    });
    const told = new Promise<string>((resolve) =>
      console.on("console:changed", (e) => {
        if (e.topic === "emergencies") resolve(e.topic);
      }),
    );
    const before = (await syncKiosk(hill.socket)).version;
    const res = await post(dual, url(), { title: "山体滑坡预警", districtIds: ["hill-north"] });
    expect(res.status).toBe(201);
    expect(await told).toBe("emergencies");
    console.disconnect();
    const notice = emergencyOf(res.body);
    expect(notice).toMatchObject({ reviewState: "awaiting_approval", sentBy: dual.id });
    // Nothing went out: no change-log version, no notice in any sync, no reach.
    const sync = await syncKiosk(hill.socket);
    expect(sync.version).toBe(before);
    expect(sync.emergencies).toEqual([]);
    expect(hill.showing()).toEqual([]);
    expect(await reachOf(notice.id, hillModerator)).toMatchObject({ sent: null, cleared: null });
    expect((await listed(hillModerator, "/review-queue")).map((e) => e.id)).toContain(notice.id);
    const timeline = await api(`${t.baseUrl}/api/districts/hill-north/timeline?hours=1`);
    expect(((await timeline.json()) as { now: { kind: string } }).now.kind).not.toBe("emergency");

    const own = await post(dual, url(`/${notice.id}/approve`), {});
    expect(own.status).toBe(403);
    expect((own.body as { error: { code: string } }).error.code).toBe("four_eyes");
    expect((await post(hillOperator, url(`/${notice.id}/approve`), {})).status).toBe(403);
    expect((await post(moderator, url(`/${notice.id}/approve`), {})).status).toBe(403);
    expect((await syncKiosk(hill.socket)).emergencies).toEqual([]);

    const approved = await post(hillModerator, url(`/${notice.id}/approve`), {});
    expect(approved.status).toBe(200);
    expect(emergencyOf(approved.body)).toMatchObject({
      reviewState: "confirmed",
      reviewedBy: hillModerator.id,
    });
    await eventually(hill.showing, (s) => s.includes("山体滑坡预警"));
    expect(hill.showing()).toEqual(["山体滑坡预警"]);
    const reach = await eventually(
      () => reachOf(notice.id, hillModerator),
      (r) => r.sent?.acknowledged === 1,
    );
    expect(reach.sent).toMatchObject({ screens: 1, acknowledged: 1, missing: [] });
    expect((await post(hillModerator, url(`/${notice.id}/approve`), {})).status).toBe(409);
    expect((await hillOperator.post(url(`/${notice.id}/clear`), {})).status).toBe(200);
    await eventually(hill.showing, (s) => s.length === 0);
    expect(hill.showing()).toEqual([]);
  });

  it("two-person: a notice pulled before approval is never sent", async () => {
    const res = await post(hillOperator, url(), { title: "演练取消", districtIds: ["hill"] });
    const notice = emergencyOf(res.body);
    expect(notice.reviewState).toBe("awaiting_approval");
    const before = (await syncKiosk(hill.socket)).version;
    const pulled = await post(hillModerator, url(`/${notice.id}/pull`), { reason: "不需要发送" });
    expect(pulled.status).toBe(200);
    expect(emergencyOf(pulled.body).reviewState).toBe("pulled");
    expect((await post(hillModerator, url(`/${notice.id}/approve`), {})).status).toBe(409);
    const sync = await syncKiosk(hill.socket);
    expect(sync.version).toBe(before);
    expect(sync.emergencies).toEqual([]);
    expect(await reachOf(notice.id, hillModerator)).toMatchObject({ sent: null, cleared: null });
    expect(await listed(hillOperator)).toEqual([]);
  });

  it("two-person: a notice to a city is held when only a district below it requires approval", async () => {
    await createDistrict(t.baseUrl, "port");
    await createDistrict(t.baseUrl, "port-dock", "port");
    await createDistrict(t.baseUrl, "port-yard", "port");
    const setting = await api(`${t.baseUrl}/api/districts/port-dock`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        id: "port-dock",
        parentId: "port",
        nameZh: "port-dock区",
        nameEn: "port-dock district",
        emergencyApproval: "two-person",
      }),
    });
    expect(setting.status).toBe(200);
    const portOperator = await createUser(t.baseUrl, "PortOp", [
      { role: "operator", scope: "port" },
    ]);
    const portModerator = await createUser(t.baseUrl, "PortMod", [
      { role: "moderator", scope: "port" },
    ]);
    const dock = await pairKiosk(t.baseUrl, "port-dock", "码头屏");
    try {
      const before = (await syncKiosk(dock.socket)).version;
      // The city's notice reaches the dock's screens: the dock's second person is needed.
      const res = await post(portOperator, url(), { title: "港区大风停航", districtIds: ["port"] });
      expect(res.status).toBe(201);
      const notice = emergencyOf(res.body);
      expect(notice.reviewState).toBe("awaiting_approval");
      const sync = await syncKiosk(dock.socket);
      expect(sync.version).toBe(before);
      expect(sync.emergencies).toEqual([]);
      // A notice to the sibling alone reaches no two-person district: it goes out at once.
      const yard = await post(portOperator, url(), {
        title: "堆场临时封闭",
        districtIds: ["port-yard"],
      });
      expect(emergencyOf(yard.body).reviewState).toBe("unreviewed");

      const approved = await post(portModerator, url(`/${notice.id}/approve`), {});
      expect(approved.status).toBe(200);
      const after = await syncKiosk(dock.socket);
      expect(after.emergencies.map((e) => e.title)).toContain("港区大风停航");
      for (const id of [notice.id, emergencyOf(yard.body).id])
        expect((await portOperator.post(url(`/${id}/clear`), {})).status).toBe(200);
    } finally {
      dock.socket.disconnect();
    }
  });

  describe("a notice cleared while a moderator reviews it", () => {
    /** The service as the server runs it, over a database where `meanwhile` lands first. */
    const noticesWith = (meanwhile: () => Promise<void>): EmergencyNotices => {
      const { db, kind } = t.server.store;
      const log = pino({ level: "silent" });
      const audit = new AuditLog({
        db,
        kind,
        key: RawVault.open({ dataDir: t.dataDir }).auditChainKey(),
      });
      const changes = t.server.app.changes;
      return new EmergencyNotices({
        db: landingMeanwhile(db, meanwhile),
        log,
        registry: new DistrictRegistry({ db, log, audit, changes }),
        changes,
        audit,
      });
    };
    const stored = (id: string) =>
      t.server.store.db
        .selectFrom("emergencies")
        .select(["review_state", "cleared_at"])
        .where("id", "=", id)
        .executeTakeFirstOrThrow();
    const changeKinds = async (id: string) =>
      (
        await t.server.store.db
          .selectFrom("change_log")
          .select("kind")
          .where("entity_id", "=", id)
          .orderBy("version")
          .execute()
      ).map((r) => r.kind);

    it("is never sent by an approval that lands after the clearing: 409", async () => {
      // A district of its own requiring two people, so this test does not lean on another's.
      await createDistrict(t.baseUrl, "hill-cove", "hill");
      const setting = await api(`${t.baseUrl}/api/districts/hill-cove`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({
          id: "hill-cove",
          parentId: "hill",
          nameZh: "hill-cove区",
          nameEn: "hill-cove district",
          emergencyApproval: "two-person",
        }),
      });
      expect(setting.status).toBe(200);
      const res = await post(hillOperator, url(), {
        title: "山洪撤离",
        districtIds: ["hill-cove"],
      });
      const notice = emergencyOf(res.body);
      expect(notice.reviewState).toBe("awaiting_approval");
      const notices = noticesWith(async () => {
        expect((await hillOperator.post(url(`/${notice.id}/clear`), {})).status).toBe(200);
      });
      await expect(
        notices.approve(notice.id, { type: "user", id: hillModerator.id }),
      ).rejects.toMatchObject({
        status: 409,
        message: expect.stringMatching(/cleared/) as unknown,
      });
      expect(await stored(notice.id)).toMatchObject({ review_state: "awaiting_approval" });
      expect(await changeKinds(notice.id)).toEqual([]);
      expect(await reachOf(notice.id, hillModerator)).toMatchObject({ sent: null });
    });

    it("keeps its clear time and one clearing when a pull lands after it: 409", async () => {
      const res = await post(operator, url(), { title: "管道抢修", districtIds: ["bay-east"] });
      const notice = emergencyOf(res.body);
      let clearedAt: string | null = null;
      const notices = noticesWith(async () => {
        const clear = await operator.post(url(`/${notice.id}/clear`), {});
        expect(clear.status).toBe(200);
        clearedAt = emergencyOf(await clear.json()).clearedAt;
      });
      const pulling = notices.pull(notice.id, { type: "user", id: moderator.id }, "信息有误");
      await expect(pulling).rejects.toMatchObject({
        status: 409,
        message: expect.stringMatching(/cleared/) as unknown,
      });
      const row = await stored(notice.id);
      expect(row.review_state).toBe("unreviewed");
      expect(clearedAt).not.toBeNull();
      expect(row.cleared_at).toBe(clearedAt);
      expect(await changeKinds(notice.id)).toEqual(["emergency.sent", "emergency.cleared"]);
    });
  });

  it("refuses a district setting it does not know", async () => {
    const res = await api(`${t.baseUrl}/api/districts/bay`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        id: "bay",
        parentId: null,
        nameZh: "bay区",
        nameEn: "bay district",
        emergencyApproval: "one-person",
      }),
    });
    expect(res.status).toBe(400);
    const got = await api(`${t.baseUrl}/api/districts/bay`);
    expect(
      ((await got.json()) as { district: { emergencyApproval: unknown } }).district,
    ).toMatchObject({ emergencyApproval: null });
  });
});
