import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import sharp from "sharp";
import { describe, expect, it } from "vitest";
import { ScreenshotSchema, type Screenshot } from "../../shared/schemas/screenshot";
import { AuditLog } from "../../server/services/AuditLog";
import { RawVault } from "../../server/services/crypto/RawVault";
import { RetentionSweep } from "../../server/services/RetentionSweep";
import { insertScreenshot, receiveScreenshot } from "../../server/store/screenshots";
import { databaseBackends, useTestServerOn } from "../support/databases";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const CITY = "ss-city";
const DISTRICT = "ss-d";
const OTHER = "ss-other";

/** A real PNG of `width`×`height`: a gradient with a block, so nothing about it is blank. */
async function pngOf(width: number, height: number): Promise<Buffer> {
  const raw = Buffer.alloc(width * height * 3);
  for (let y = 0; y < height; y++)
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 3;
      raw[i] = Math.round((255 * x) / width);
      raw[i + 1] = Math.round((255 * y) / height);
      raw[i + 2] = x > width / 3 && x < (2 * width) / 3 ? 220 : 30;
    }
  return sharp(raw, { raw: { width, height, channels: 3 } })
    .png()
    .toBuffer();
}

/** The server's "screen:screenshot" to this kiosk, once it comes. */
function nextAsk(kiosk: KioskSocket): Promise<string> {
  return new Promise((resolve) =>
    kiosk.once("screen:screenshot", (p: { requestId: string }) => resolve(p.requestId)),
  );
}

async function ask(
  t: TestServer,
  screenId: string,
): Promise<{ status: number; shot?: Screenshot; body: unknown }> {
  const res = await api(`${t.baseUrl}/api/screens/${screenId}/screenshots`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: "{}",
  });
  const body: unknown = await res.json();
  if (res.status !== 202) return { status: res.status, body };
  return {
    status: res.status,
    body,
    shot: ScreenshotSchema.parse((body as { screenshot: unknown }).screenshot),
  };
}

async function latest(t: TestServer, screenId: string): Promise<Screenshot[]> {
  const res = await api(`${t.baseUrl}/api/screens/${screenId}/screenshots`);
  expect(res.status).toBe(200);
  const body = (await res.json()) as { screenshots: unknown[] };
  return body.screenshots.map((s) => ScreenshotSchema.parse(s));
}

/** A kiosk's upload with its token (or none). */
function upload(
  t: TestServer,
  requestId: string,
  token: string | undefined,
  body: Buffer | string,
  type = "image/png",
): Promise<Response> {
  return fetch(`${t.baseUrl}/kiosk/screenshots/${requestId}`, {
    method: "POST",
    headers: { "Content-Type": type, ...(token ? { Authorization: `Bearer ${token}` } : {}) },
    body: typeof body === "string" ? body : new Uint8Array(body),
  });
}

function unavailable(
  t: TestServer,
  requestId: string,
  token: string,
  body: unknown,
): Promise<Response> {
  return fetch(`${t.baseUrl}/kiosk/screenshots/${requestId}/unavailable`, {
    method: "POST",
    headers: { "Content-Type": "application/json", Authorization: `Bearer ${token}` },
    body: JSON.stringify(body),
  });
}

async function prepare(t: TestServer): Promise<void> {
  await createDistrict(t.baseUrl, CITY);
  await createDistrict(t.baseUrl, DISTRICT, CITY);
  await createDistrict(t.baseUrl, OTHER);
}

describe.each(databaseBackends)("screenshots on request, on $name (issue 20 item 3)", (backend) => {
  const server = useTestServerOn(backend, {}, prepare);

  it("the kiosk is asked over its socket, uploads with its token, and the console reads a JPEG the server made", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, DISTRICT, "截图屏");
    try {
      const asked = nextAsk(kiosk.socket);
      const made = await ask(t, kiosk.screenId);
      expect(made.status).toBe(202);
      expect(made.shot).toMatchObject({
        state: "requested",
        screenId: kiosk.screenId,
        imageUrl: null,
      });
      const requestId = await asked;
      expect(requestId).toBe(made.shot?.id);

      const png = await pngOf(640, 360);
      const res = await upload(t, requestId, kiosk.token, png);
      expect(res.status, await res.clone().text()).toBe(201);

      const [shot] = await latest(t, kiosk.screenId);
      expect(shot).toMatchObject({ id: requestId, state: "received", width: 640, height: 360 });
      expect(shot?.imageUrl).toBe(`/api/screenshots/${requestId}/image`);

      const image = await api(`${t.baseUrl}/api/screenshots/${requestId}/image`);
      expect(image.status).toBe(200);
      expect(image.headers.get("content-type")).toBe("image/jpeg");
      expect(image.headers.get("cache-control")).toBe("no-store");
      const jpeg = Buffer.from(await image.arrayBuffer());
      const meta = await sharp(jpeg).metadata();
      expect(meta).toMatchObject({ format: "jpeg", width: 640, height: 360 });
      expect(meta.exif).toBeUndefined();
      // Not the upload's bytes: the server encoded the picture itself.
      expect(jpeg.equals(png)).toBe(false);

      // Once: a second answer, of either kind, changes nothing.
      expect((await upload(t, requestId, kiosk.token, png)).status).toBe(409);
      expect((await unavailable(t, requestId, kiosk.token, { reason: "late" })).status).toBe(409);
      expect((await latest(t, kiosk.screenId))[0]).toMatchObject({ state: "received" });

      const audit = await api(`${t.baseUrl}/api/audit?action=screen.screenshot_requested`);
      const records = (await audit.json()) as { records: { target: { id: string } | null }[] };
      expect(records.records.some((r) => r.target?.id === kiosk.screenId)).toBe(true);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("only the screen asked may answer: another screen's token is 404, none is 401, and the request still waits", async () => {
    const t = server();
    const asked = await pairKiosk(t.baseUrl, DISTRICT, "被问屏");
    const other = await pairKiosk(t.baseUrl, DISTRICT, "旁边屏");
    try {
      const requestId = nextAsk(asked.socket);
      const { shot } = await ask(t, asked.screenId);
      const id = await requestId;
      expect(id).toBe(shot?.id);
      const png = await pngOf(64, 64);
      const wrong = await upload(t, id, other.token, png);
      expect(wrong.status).toBe(404);
      expect(((await wrong.json()) as { error: { code: string } }).error.code).toBe("not_found");
      expect((await unavailable(t, id, other.token, { reason: "not me" })).status).toBe(404);
      expect((await upload(t, id, undefined, png)).status).toBe(401);
      expect((await upload(t, id, "x".repeat(40), png)).status).toBe(401);
      expect(
        (await upload(t, "00000000-0000-4000-8000-000000000000", asked.token, png)).status,
      ).toBe(404);
      expect((await upload(t, "not-a-uuid", asked.token, png)).status).toBe(400);
      expect((await latest(t, asked.screenId))[0]).toMatchObject({ id, state: "requested" });
      expect(await latest(t, other.screenId)).toEqual([]);
      // The right screen still can.
      expect((await upload(t, id, asked.token, png)).status).toBe(201);
    } finally {
      asked.socket.disconnect();
      other.socket.disconnect();
    }
  });

  it("refuses what is not a picture, or too large, with a 4xx and a reason, changing nothing", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, DISTRICT, "坏图屏");
    try {
      const asked = nextAsk(kiosk.socket);
      await ask(t, kiosk.screenId);
      const id = await asked;
      const png = await pngOf(320, 180);
      const refusals: [string, Response][] = [
        ["text", await upload(t, id, kiosk.token, "hello", "text/plain")],
        ["json", await upload(t, id, kiosk.token, "{}", "application/json")],
        ["garbage as png", await upload(t, id, kiosk.token, Buffer.from("not a picture at all"))],
        [
          "truncated png",
          await upload(t, id, kiosk.token, png.subarray(0, Math.floor(png.length / 2))),
        ],
        ["a GIF", await upload(t, id, kiosk.token, await sharp(png).gif().toBuffer(), "image/png")],
        ["empty", await upload(t, id, kiosk.token, Buffer.alloc(0))],
        ["too wide", await upload(t, id, kiosk.token, await pngOf(7700, 16))],
        ["too small", await upload(t, id, kiosk.token, await pngOf(8, 8))],
        [
          "over 4 MB",
          await upload(t, id, kiosk.token, Buffer.concat([png, Buffer.alloc(4 * 1024 * 1024)])),
        ],
      ];
      const answers = await Promise.all(
        refusals.map(async ([what, res]) => {
          const body = (await res.json()) as { error: { code: string; message: string } };
          return {
            what,
            status: res.status,
            code: body.error.code,
            said: body.error.message.length > 0,
          };
        }),
      );
      expect(answers).toEqual([
        { what: "text", status: 415, code: "unsupported_media_type", said: true },
        { what: "json", status: 415, code: "unsupported_media_type", said: true },
        { what: "garbage as png", status: 400, code: "bad_request", said: true },
        { what: "truncated png", status: 400, code: "bad_request", said: true },
        { what: "a GIF", status: 400, code: "bad_request", said: true },
        { what: "empty", status: 400, code: "bad_request", said: true },
        { what: "too wide", status: 400, code: "bad_request", said: true },
        { what: "too small", status: 400, code: "bad_request", said: true },
        { what: "over 4 MB", status: 413, code: "payload_too_large", said: true },
      ]);
      expect((await latest(t, kiosk.screenId))[0]).toMatchObject({
        id,
        state: "requested",
        bytes: null,
      });
      expect((await api(`${t.baseUrl}/api/screenshots/${id}/image`)).status).toBe(404);
      // A bad "cannot" is refused too.
      expect((await unavailable(t, id, kiosk.token, {})).status).toBe(400);
      expect((await unavailable(t, id, kiosk.token, { reason: "x".repeat(301) })).status).toBe(400);
      expect((await latest(t, kiosk.screenId))[0]).toMatchObject({ id, state: "requested" });
      // The server kept serving: a good picture still lands.
      expect((await upload(t, id, kiosk.token, png)).status).toBe(201);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("a kiosk that cannot says why; a screen that does not answer in two minutes is marked so", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, DISTRICT, "无图屏");
    try {
      let asked = nextAsk(kiosk.socket);
      await ask(t, kiosk.screenId);
      const cannot = await asked;
      const res = await unavailable(t, cannot, kiosk.token, {
        reason: "The canvas could not be read.",
      });
      expect(res.status).toBe(200);
      expect((await latest(t, kiosk.screenId))[0]).toMatchObject({
        id: cannot,
        state: "unavailable",
        unavailable: "kiosk",
        reason: "The canvas could not be read.",
      });

      asked = nextAsk(kiosk.socket);
      await ask(t, kiosk.screenId);
      const silent = await asked;
      // Two minutes and a second pass (the request is dated back rather than waited for).
      await t.server.store.db
        .updateTable("screenshots")
        .set({ requested_at: new Date(Date.now() - 121_000).toISOString() })
        .where("id", "=", silent)
        .execute();
      expect((await latest(t, kiosk.screenId)).find((s) => s.id === silent)).toMatchObject({
        state: "unavailable",
        unavailable: "no_answer",
      });
      // Too late now.
      expect((await upload(t, silent, kiosk.token, await pngOf(64, 64))).status).toBe(409);
    } finally {
      kiosk.socket.disconnect();
    }
  });

  it("a screen not connected is marked so at once; an unpaired one is refused", async () => {
    const t = server();
    const kiosk = await pairKiosk(t.baseUrl, DISTRICT, "离线屏");
    kiosk.socket.disconnect();
    await expect
      .poll(async () => (await ask(t, kiosk.screenId)).shot?.unavailable, { timeout: 10_000 })
      .toBe("not_connected");
    const revoked = await api(`${t.baseUrl}/api/screens/${kiosk.screenId}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(revoked.status).toBe(200);
    const refused = await ask(t, kiosk.screenId);
    expect(refused.status).toBe(409);
    const before = (await latest(t, kiosk.screenId)).length;
    expect((await ask(t, "00000000-0000-4000-8000-000000000000")).status).toBe(404);
    expect((await latest(t, kiosk.screenId)).length).toBe(before);
  });
});

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The data folder's files that hold `needle`. */
function holding(dir: string, needle: Buffer): string[] {
  return filesUnder(dir).filter((f) => readFileSync(f).includes(needle));
}

/** A distinctive run of bytes from the middle of a JPEG (its entropy-coded data). */
function middleOf(jpeg: Buffer): Buffer {
  const start = Math.floor(jpeg.length / 2);
  return Buffer.from(jpeg.subarray(start, start + 48));
}

describe("screenshots are kept 24 hours and erased with an entry (SQLite; issue 21)", () => {
  const server = useTestServerOn(
    { name: "SQLite" },
    { env: { SIGNAGE_REDACTION_WORKERS: "1" } },
    prepare,
  );

  it("the retention sweep deletes exactly the pictures asked more than 24 hours ago, and records it", async () => {
    const t = server();
    const db = t.server.store.db;
    const kiosk = await pairKiosk(t.baseUrl, OTHER, "保留屏");
    kiosk.socket.disconnect();
    const now = Date.parse("2026-07-01T12:00:00.000Z");
    const ages: Record<string, number> = {
      "00000000-0000-4000-8000-00000000a001": 24 * 3_600_000 + 1,
      "00000000-0000-4000-8000-00000000a002": 30 * 24 * 3_600_000,
      "00000000-0000-4000-8000-00000000a003": 24 * 3_600_000,
      "00000000-0000-4000-8000-00000000a004": 23 * 3_600_000,
    };
    const jpeg = await sharp(await pngOf(32, 32))
      .jpeg()
      .toBuffer();
    for (const [id, ago] of Object.entries(ages)) {
      const at = new Date(now - ago).toISOString();
      await insertScreenshot(db, {
        id,
        screen_id: kiosk.screenId,
        district_id: OTHER,
        requested_by: null,
        requested_at: at,
      });
      await receiveScreenshot(db, id, kiosk.screenId, { image: jpeg, width: 32, height: 32, at });
    }
    const audit = new AuditLog({
      db,
      kind: t.server.store.kind,
      key: RawVault.open({ dataDir: t.dataDir }).auditChainKey(),
    });
    const sweep = new RetentionSweep({
      db,
      log: pino({ level: "silent" }),
      settings: { playsDays: 400, endedSessionsDays: 30 },
      audit,
      now: () => new Date(now),
    });
    expect(await sweep.sweepScreenshots()).toBe(2);
    const left = await db
      .selectFrom("screenshots")
      .select("id")
      .where("screen_id", "=", kiosk.screenId)
      .execute();
    expect(left.map((r) => r.id).sort()).toEqual([
      "00000000-0000-4000-8000-00000000a003",
      "00000000-0000-4000-8000-00000000a004",
    ]);
    const [record] = await audit.list({ action: "screenshot.erased", limit: 5 });
    expect(JSON.parse(record?.details_json ?? "{}")).toMatchObject({ deleted: 2 });
    // Nothing more is due.
    expect(await sweep.sweepScreenshots()).toBe(0);
    // The setting moves the line: at 12 hours the two left (24 and 23 hours old) are due too.
    const shorter = new RetentionSweep({
      db,
      log: pino({ level: "silent" }),
      settings: { playsDays: 400, endedSessionsDays: 30, screenshotsHours: 12 },
      now: () => new Date(now),
    });
    expect(await shorter.sweepScreenshots()).toBe(2);
  });

  it("erasing an entry deletes the pictures of its districts' screens: no byte of them stays in the data folder", async () => {
    const t = server();
    // A screen in a sub-district of the entry's district, and one elsewhere.
    const inside = await pairKiosk(t.baseUrl, DISTRICT, "擦除屏");
    const outside = await pairKiosk(t.baseUrl, OTHER, "无关屏");
    try {
      const take = async (
        kiosk: typeof inside,
        width: number,
      ): Promise<{ id: string; jpeg: Buffer }> => {
        const asked = nextAsk(kiosk.socket);
        await ask(t, kiosk.screenId);
        const id = await asked;
        expect((await upload(t, id, kiosk.token, await pngOf(width, 200))).status).toBe(201);
        const jpeg = Buffer.from(
          await (await api(`${t.baseUrl}/api/screenshots/${id}/image`)).arrayBuffer(),
        );
        return { id, jpeg };
      };
      const shown = await take(inside, 300);
      const elsewhere = await take(outside, 310);
      // The scan sees the picture before the erasure: it can find what it looks for.
      expect(holding(t.dataDir, middleOf(shown.jpeg)).length).toBeGreaterThan(0);

      const form = new FormData();
      form.set("entry", JSON.stringify(buildEntryInput({ districtIds: [CITY] })));
      const created = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
      expect(created.status, await created.clone().text()).toBe(201);
      const entryId = ((await created.json()) as { entry: { id: string } }).entry.id;
      const revoked = await api(`${t.baseUrl}/api/entries/${entryId}/revoke`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ reason: "obligation_fulfilled" }),
      });
      expect(revoked.status, await revoked.clone().text()).toBe(200);

      expect(await latest(t, inside.screenId)).toEqual([]);
      expect((await api(`${t.baseUrl}/api/screenshots/${shown.id}/image`)).status).toBe(404);
      expect(holding(t.dataDir, middleOf(shown.jpeg))).toEqual([]);
      // A screen of another district keeps its picture.
      expect((await latest(t, outside.screenId)).map((s) => s.id)).toEqual([elsewhere.id]);
    } finally {
      inside.socket.disconnect();
      outside.socket.disconnect();
    }
  });

  it("erasing an entry also deletes the pictures of a district an edit took it away from", async () => {
    const t = server();
    const left = await pairKiosk(t.baseUrl, OTHER, "离开屏");
    try {
      const moderator = await createUser(t.baseUrl, "ss-moderator", [
        { role: "moderator", scope: "*" },
      ]);
      const form = new FormData();
      form.set("entry", JSON.stringify(buildEntryInput({ districtIds: [OTHER] })));
      const created = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
      expect(created.status, await created.clone().text()).toBe(201);
      const entryId = ((await created.json()) as { entry: { id: string } }).entry.id;
      expect((await approveAsSeen(t.baseUrl, moderator, entryId)).status).toBe(200);

      // A picture of a screen of the district while the entry was listed there.
      const asked = nextAsk(left.socket);
      await ask(t, left.screenId);
      const id = await asked;
      expect((await upload(t, id, left.token, await pngOf(320, 200))).status).toBe(201);
      const jpeg = Buffer.from(
        await (await api(`${t.baseUrl}/api/screenshots/${id}/image`)).arrayBuffer(),
      );
      expect(holding(t.dataDir, middleOf(jpeg)).length).toBeGreaterThan(0);

      // An edit takes the entry to another district; then it is revoked (erased).
      const moved = await api(`${t.baseUrl}/api/entries/${entryId}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ districtIds: [CITY] }),
      });
      expect(moved.status, await moved.clone().text()).toBe(200);
      const revoked = await api(`${t.baseUrl}/api/entries/${entryId}/revoke`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ reason: "obligation_fulfilled" }),
      });
      expect(revoked.status, await revoked.clone().text()).toBe(200);

      expect(await latest(t, left.screenId)).toEqual([]);
      expect(holding(t.dataDir, middleOf(jpeg))).toEqual([]);
    } finally {
      left.socket.disconnect();
    }
  });
});
