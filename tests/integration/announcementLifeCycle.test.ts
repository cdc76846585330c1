import { afterAll, describe, expect, it } from "vitest";
import { AnnouncementViewSchema, type AnnouncementView } from "../../shared/schemas/announcement";
import { ContentChangedSchema, type ContentChanged } from "../../shared/schemas/sync";
import { TakedownListSchema, type Takedown } from "../../shared/schemas/takedown";
import { announcementOf } from "../support/announcements";
import { createTempDatabase } from "../support/postgres";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  type KioskSocket,
  pairKiosk,
  removeDataDir,
  startTestServer,
  syncKiosk,
  type TestServer,
} from "../support/testServer";

/** The next content:changed push a kiosk gets. */
function nextChange(socket: KioskSocket): Promise<ContentChanged> {
  return new Promise((resolve) =>
    socket.once("content:changed", (p) => resolve(ContentChangedSchema.parse(p))),
  );
}

/** Whether a kiosk gets any push within `ms` (a push it must not get). */
function pushedWithin(socket: KioskSocket, ms: number): Promise<boolean> {
  return new Promise((resolve) => {
    const on = () => resolve(true);
    socket.once("content:changed", on);
    setTimeout(() => {
      socket.off("content:changed", on);
      resolve(false);
    }, ms);
  });
}

interface World {
  t: TestServer;
  operatorA: TestUser;
  operatorB: TestUser;
  moderatorA: TestUser;
  moderatorCity: TestUser;
  kioskA: { socket: KioskSocket; screenId: string };
  kioskMetro: { socket: KioskSocket; screenId: string };
  kioskB: { socket: KioskSocket; screenId: string };
}

/** A city with districts A and B, their operators and moderators, and three paired kiosks. */
async function world(env?: Record<string, string>): Promise<World> {
  const t = await startTestServer(env ? { env } : {});
  await createDistrict(t.baseUrl, "lc-city");
  await createDistrict(t.baseUrl, "lc-a", "lc-city");
  await createDistrict(t.baseUrl, "lc-b", "lc-city");
  const w: World = {
    t,
    operatorA: await createUser(t.baseUrl, "OperatorA", [{ role: "operator", scope: "lc-a" }]),
    operatorB: await createUser(t.baseUrl, "OperatorB", [{ role: "operator", scope: "lc-b" }]),
    moderatorA: await createUser(t.baseUrl, "ModeratorA", [{ role: "moderator", scope: "lc-a" }]),
    moderatorCity: await createUser(t.baseUrl, "ModeratorCity", [
      { role: "moderator", scope: "*" },
    ]),
    kioskA: await pairKiosk(t.baseUrl, "lc-a", "A 区街口屏"),
    kioskMetro: await pairKiosk(t.baseUrl, "lc-a", "A 区地铁屏"),
    kioskB: await pairKiosk(t.baseUrl, "lc-b", "B 区街口屏"),
  };
  // The metro screen carries the tag "metro" (set in the store: the tag API is tested elsewhere).
  await t.server.store.db
    .updateTable("screens")
    .set({ tags_json: JSON.stringify(["metro"]) })
    .where("id", "=", w.kioskMetro.screenId)
    .execute();
  for (const k of [w.kioskA, w.kioskMetro, w.kioskB]) await syncKiosk(k.socket, 0);
  return w;
}

async function close(w: World | undefined): Promise<void> {
  if (!w) return;
  for (const k of [w.kioskA, w.kioskMetro, w.kioskB]) k.socket.disconnect();
  await w.t.stop();
  removeDataDir(w.t.dataDir);
}

const url = (w: World, path: string) => `${w.t.baseUrl}/api/announcements${path}`;

async function create(w: World, as: TestUser, body: Record<string, unknown>) {
  const res = await as.post(url(w, ""), body);
  return { status: res.status, body: (await res.json()) as Record<string, unknown> };
}

function viewOf(body: Record<string, unknown>): AnnouncementView {
  return AnnouncementViewSchema.parse(body.announcement);
}

async function act(
  w: World,
  as: TestUser,
  a: Pick<AnnouncementView, "id" | "revision">,
  action: "submit" | "approve" | "reject" | "withdraw",
  extra: Record<string, unknown> = {},
): Promise<Response> {
  const body = action === "withdraw" ? extra : { revision: a.revision, ...extra };
  return as.post(url(w, `/${a.id}/${action}`), body);
}

async function errorCode(res: Response): Promise<string> {
  return ((await res.json()) as { error: { code: string } }).error.code;
}

async function takedownOf(w: World, id: string): Promise<Takedown | undefined> {
  const res = await api(`${w.t.baseUrl}/api/takedowns?announcement=${id}`);
  expect(res.status).toBe(200);
  return TakedownListSchema.parse(await res.json()).takedowns[0];
}

/** The ids of the announcements a kiosk holds after a full sync. */
async function held(k: { socket: KioskSocket }): Promise<string[]> {
  return (await syncKiosk(k.socket, 0)).announcements.map((a) => a.id);
}

describe.each([
  ["SQLite", false],
  ["PostgreSQL", true],
])("announcements' life cycle on %s", (_name, postgres) => {
  let w: World | undefined;
  let dropDatabase: (() => Promise<void>) | undefined;
  afterAll(async () => {
    await close(w);
    await dropDatabase?.();
  });
  const get = async () => {
    if (!w) {
      if (postgres) {
        const temp = await createTempDatabase();
        dropDatabase = () => temp.drop();
        w = await world({ DATABASE_URL: temp.url });
      } else w = await world();
    }
    return w;
  };

  it("goes draft → review → published by a second person, and only to the screens it targets", async () => {
    const w = await get();
    const created = await create(w, w.operatorA, {
      title: "A 区地铁站台维修",
      body: "本周六 22 时起暂停使用 B 出口。",
      target: { districtIds: ["lc-a"], screenTags: ["Metro"] },
    });
    expect(created.status).toBe(201);
    const draft = viewOf(created.body);
    expect(draft).toMatchObject({
      state: "draft",
      revision: 1,
      version: null,
      target: { districtIds: ["lc-a"], screenTags: ["metro"] },
    });
    // A draft is on no screen, and cannot be approved before it is submitted.
    expect(await held(w.kioskMetro)).toEqual([]);
    expect((await act(w, w.moderatorA, draft, "approve")).status).toBe(409);

    const submitted = await announcementOf(await act(w, w.operatorA, draft, "submit"));
    expect(submitted.state).toBe("in_review");
    // Four eyes: its author cannot approve it, whatever roles they hold.
    const own = await act(w, w.operatorA, submitted, "approve");
    expect(own.status).toBe(403);
    // An approval names the revision it saw: the author changes it meanwhile, and the
    // approval of the revision read before is refused, nothing changes.
    const changed = await w.operatorA.fetch(url(w, `/${submitted.id}`), {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        revision: submitted.revision,
        body: "本周六 22 时起暂停使用 C 出口。",
      }),
    });
    expect(changed.status).toBe(200);
    const stale = await act(w, w.moderatorA, submitted, "approve");
    expect(stale.status).toBe(409);
    expect(await errorCode(stale)).toBe("stale_revision");
    const current = await announcementOf(changed);
    expect(current).toMatchObject({ state: "in_review", revision: submitted.revision + 1 });
    // A moderator of another district may not decide on district A's announcement.
    const elsewhere = await createUser(w.t.baseUrl, "ModeratorB", [
      { role: "moderator", scope: "lc-b" },
    ]);
    expect((await act(w, elsewhere, current, "approve")).status).toBe(403);

    const quietB = pushedWithin(w.kioskB.socket, 1_500);
    const metroPush = nextChange(w.kioskMetro.socket);
    const approved = await announcementOf(await act(w, w.moderatorA, current, "approve"));
    expect(approved).toMatchObject({ state: "published", reviewedBy: w.moderatorA.id });
    expect(approved.version).toBeGreaterThan(0);
    // Targeting tags, the push carries nothing: screens of the district sync and the server
    // gives it to the tagged one only.
    const push = await metroPush;
    expect(push.version).toBe(approved.version);
    expect(push.added).toBeUndefined();
    expect(await quietB).toBe(false);
    expect(await held(w.kioskMetro)).toEqual([approved.id]);
    expect(await held(w.kioskA)).toEqual([]);
    expect(await held(w.kioskB)).toEqual([]);
    // The delta of an untagged screen of the district tells it to drop nothing it never had,
    // and gives it nothing.
    const delta = await syncKiosk(w.kioskA.socket, (approved.version ?? 1) - 1);
    expect(delta.announcements).toEqual([]);
    expect(delta.screen?.tags).toEqual([]);
  });

  it("carries a city-wide announcement in the push to every screen; an operator of one district may not send one", async () => {
    const w = await get();
    const refused = await create(w, w.operatorA, { title: "全市通知" });
    expect(refused.status).toBe(403);
    const byAdmin = await api(url(w, ""), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ title: "全市消防演练", submit: true }),
    });
    expect(byAdmin.status).toBe(201);
    const inReview = await announcementOf(byAdmin);
    // Four eyes: the admin who wrote it holds every right, and still may not approve it.
    const own = await api(url(w, `/${inReview.id}/approve`), {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ revision: inReview.revision }),
    });
    expect(own.status).toBe(403);
    expect(await errorCode(own)).toBe("four_eyes");
    const pushes = [w.kioskA, w.kioskMetro, w.kioskB].map((k) => nextChange(k.socket));
    const approved = await announcementOf(await act(w, w.moderatorCity, inReview, "approve"));
    for (const p of await Promise.all(pushes)) {
      expect(p.added?.announcements.map((a) => a.id)).toEqual([approved.id]);
      expect(p.added?.announcements[0]?.title).toBe("全市消防演练");
    }
    expect(await held(w.kioskB)).toContain(approved.id);
  });

  it("takes a published announcement down on withdrawal, acknowledged per screen", async () => {
    const w = await get();
    const created = await create(w, w.operatorA, {
      title: "A 区停水",
      target: { districtIds: ["lc-a"] },
      submit: true,
    });
    expect(created.status).toBe(201);
    const inReview = viewOf(created.body);
    const published = await announcementOf(await act(w, w.moderatorA, inReview, "approve"));
    expect(await held(w.kioskA)).toContain(published.id);
    // An operator of B may not withdraw district A's announcement.
    expect((await act(w, w.operatorB, published, "withdraw", { reason: "x" })).status).toBe(403);

    const pushA = nextChange(w.kioskA.socket);
    const withdrawn = await announcementOf(
      await act(w, w.operatorA, published, "withdraw", { reason: "已恢复供水" }),
    );
    expect(withdrawn).toMatchObject({ state: "withdrawn", reason: "已恢复供水" });
    const push = await pushA;
    expect(push.removedIds).toEqual([published.id]);
    expect(await held(w.kioskA)).not.toContain(published.id);

    const before = await takedownOf(w, published.id);
    expect(before).toMatchObject({
      contentType: "announcement",
      contentId: published.id,
      title: "A 区停水",
      kind: "announcement.withdrawn",
      screens: 2,
    });
    // Both district A screens must drop it; district B's never had it.
    expect(before?.missing.map((m) => m.id).sort()).toEqual(
      [w.kioskA.screenId, w.kioskMetro.screenId].sort(),
    );
    w.kioskA.socket.emit("kiosk:applied", { version: push.version });
    await expect
      .poll(async () => (await takedownOf(w, published.id))?.acknowledged, { timeout: 15_000 })
      .toBe(1);
    w.kioskMetro.socket.emit("kiosk:applied", { version: push.version });
    await expect
      .poll(async () => (await takedownOf(w, published.id))?.missing, { timeout: 15_000 })
      .toEqual([]);
    // Withdrawn twice is refused; nothing changes.
    expect((await act(w, w.operatorA, withdrawn, "withdraw", { reason: "" })).status).toBe(409);
  });

  it("sends an edited published announcement back to review and off the screens until approved again", async () => {
    const w = await get();
    const created = await create(w, w.operatorA, {
      title: "A 区图书馆开放",
      target: { districtIds: ["lc-a"] },
      submit: true,
    });
    const inReview = viewOf(created.body);
    const published = await announcementOf(await act(w, w.moderatorA, inReview, "approve"));
    expect(await held(w.kioskA)).toContain(published.id);

    // The moderator edits it: it leaves the screens and they may no longer approve it.
    const pushA = nextChange(w.kioskA.socket);
    const edited = await w.moderatorA.fetch(url(w, `/${published.id}`), {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ revision: published.revision, title: "A 区图书馆延长开放" }),
    });
    // A moderator is not an editor: the edit needs the operator's right.
    expect(edited.status).toBe(403);
    const byOperator = await w.operatorA.fetch(url(w, `/${published.id}`), {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ revision: published.revision, title: "A 区图书馆延长开放" }),
    });
    expect(byOperator.status).toBe(200);
    const back = await announcementOf(byOperator);
    expect(back).toMatchObject({ state: "in_review", title: "A 区图书馆延长开放" });
    expect(back.revision).toBe(published.revision + 1);
    expect((await pushA).removedIds).toEqual([published.id]);
    expect(await held(w.kioskA)).not.toContain(published.id);
    const takedown = await takedownOf(w, published.id);
    expect(takedown?.kind).toBe("announcement.withdrawn");
    // Approved again (by a second person): back on the screens, with the new title.
    const again = await announcementOf(await act(w, w.moderatorA, back, "approve"));
    expect(again.state).toBe("published");
    const delta = await syncKiosk(w.kioskA.socket, 0);
    expect(delta.announcements.find((a) => a.id === published.id)?.title).toBe(
      "A 区图书馆延长开放",
    );
  });

  it("counts a retargeted announcement's takedown on the screens it was on, not where it goes", async () => {
    const w = await get();
    const created = await create(w, w.operatorA, {
      title: "A 区道路封闭",
      target: { districtIds: ["lc-a"] },
      submit: true,
    });
    const published = await announcementOf(
      await act(w, w.moderatorA, viewOf(created.body), "approve"),
    );
    // An admin moves it to district B: it leaves A's screens at once and waits for review.
    const pushA = nextChange(w.kioskA.socket);
    const moved = await api(url(w, `/${published.id}`), {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ revision: published.revision, target: { districtIds: ["lc-b"] } }),
    });
    expect(moved.status).toBe(200);
    expect((await pushA).removedIds).toEqual([published.id]);
    const takedown = await takedownOf(w, published.id);
    expect(takedown?.screens).toBe(2);
    expect(takedown?.missing.map((m) => m.id).sort()).toEqual(
      [w.kioskA.screenId, w.kioskMetro.screenId].sort(),
    );
    // District A's moderator still sees the takedown of what was on A's screens.
    const forA = await w.moderatorA.fetch(
      `${w.t.baseUrl}/api/takedowns?announcement=${published.id}`,
    );
    expect(TakedownListSchema.parse(await forA.json()).takedowns).toHaveLength(1);
  });

  it("rejects back to a draft with a reason, and refuses text that looks like personal data", async () => {
    const w = await get();
    const created = await create(w, w.operatorA, {
      title: "A 区征集意见",
      target: { districtIds: ["lc-a"] },
      submit: true,
    });
    const inReview = viewOf(created.body);
    const rejected = await announcementOf(
      await act(w, w.moderatorA, inReview, "reject", { reason: "请补充联系方式" }),
    );
    expect(rejected).toMatchObject({ state: "draft", reason: "请补充联系方式" });

    const before = await api(url(w, "?limit=500"));
    const count = ((await before.json()) as { announcements: unknown[] }).announcements.length;
    const leaked = await create(w, w.operatorA, {
      title: "寻人",
      body: "张三丰 身份证 110101199003074514 请联系",
      target: { districtIds: ["lc-a"] },
    });
    expect(leaked.status).toBe(400);
    expect((leaked.body as { error: { code: string; message: string } }).error.code).toBe(
      "personal_data",
    );
    expect(JSON.stringify(leaked.body)).not.toContain("110101199003074514");
    const after = await api(url(w, "?limit=500"));
    expect(((await after.json()) as { announcements: unknown[] }).announcements).toHaveLength(
      count,
    );
  });

  it("ends on time: the sweep takes it down at its end, acknowledged like a withdrawal", async () => {
    const w = await get();
    const endsAt = new Date(Date.now() + 2_000).toISOString();
    const created = await create(w, w.operatorA, {
      title: "A 区短时通知",
      target: { districtIds: ["lc-a"] },
      endsAt,
      submit: true,
    });
    expect(created.status).toBe(201);
    const inReview = viewOf(created.body);
    const published = await announcementOf(await act(w, w.moderatorA, inReview, "approve"));
    // Screens get the end with it, and drop it then by their own clock even offline.
    const shown = (await syncKiosk(w.kioskA.socket, 0)).announcements.find(
      (a) => a.id === published.id,
    );
    expect(shown?.endsAt).toBe(endsAt);
    await new Promise((r) => setTimeout(r, 2_200));
    const pushA = nextChange(w.kioskA.socket);
    expect(await w.t.server.app.announcements.endDue()).toEqual([published.id]);
    expect((await pushA).removedIds).toEqual([published.id]);
    const ended = await announcementOf(await api(url(w, `/${published.id}`)));
    expect(ended.state).toBe("ended");
    expect((await takedownOf(w, published.id))?.kind).toBe("announcement.ended");
    // Nothing is due any more.
    expect(await w.t.server.app.announcements.endDue()).toEqual([]);
  });
});
