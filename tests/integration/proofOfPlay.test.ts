import { randomUUID } from "node:crypto";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import { ackSchema } from "../../shared/protocol/ackSchema";
import { ApiErrorSchema } from "../../shared/schemas/apiError";
import {
  MAX_PLAY_MS,
  PlayReceiptSchema,
  PlayReportSchema,
  type PlayBatch,
  type PlayRecord,
  type PlayReport,
} from "../../shared/schemas/proofOfPlay";
import { buildEntryInput } from "../support/entryFactory";
import { buildAnnouncementInput } from "../support/factories";
import { createTempDatabase } from "../support/postgres";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  connectKiosk,
  createDistrict,
  makeDataDir,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const PlayAck = ackSchema(PlayReceiptSchema);

/** The same cases on each database the server runs on. */
const backends: {
  name: string;
  start: () => Promise<{ t: TestServer; close: () => Promise<void> }>;
}[] = [
  {
    name: "SQLite",
    start: async () => {
      const t = await startTestServer();
      return {
        t,
        close: async () => {
          await t.stop();
          removeDataDir(t.dataDir);
        },
      };
    },
  },
  {
    name: "PostgreSQL",
    start: async () => {
      const temp = await createTempDatabase();
      const t = await startTestServer({ dataDir: makeDataDir(), env: { DATABASE_URL: temp.url } });
      return {
        t,
        close: async () => {
          await t.stop();
          removeDataDir(t.dataDir);
          await temp.drop();
        },
      };
    },
  },
];

/**
 * A play a kiosk would report: an entry shown for 10 s an hour ago, unless told otherwise.
 * The content is a fresh id the server never sent anywhere unless `contentId` names one.
 */
function anyPlay(overrides: Partial<PlayRecord> = {}): PlayRecord {
  return {
    id: randomUUID(),
    kind: "entry",
    contentId: randomUUID(),
    version: 1,
    startedAt: new Date(Date.now() - 3_600_000).toISOString(),
    durationMs: 10_000,
    ...overrides,
  };
}

/** Uploads a batch as the kiosk does and returns the server's validated answer. */
async function upload(socket: KioskSocket, payload: unknown) {
  return PlayAck.parse(await socket.timeout(5000).emitWithAck("kiosk:plays", payload as PlayBatch));
}

/** The instant `minutes` minutes before `base`, as the kiosk writes it (UTC). */
function ago(base: number, minutes: number): string {
  return new Date(base - minutes * 60_000).toISOString();
}

describe.each(backends)("proof of play on $name", (backend) => {
  let t: TestServer;
  let close: () => Promise<void>;
  let operatorA: TestUser;
  let operatorB: TestUser;
  let moderator: TestUser;
  /** An entry published in district "da", by a full name that must never reach a report. */
  let entry: { id: string; maskedName: string };
  let announcement: { id: string; title: string };
  /** An emergency notice in district "da". */
  let emergency: { id: string };
  const kiosks: KioskSocket[] = [];
  /** Another entry published in "da", for the uploads (the reports count `entry`'s plays). */
  let uploaded: { id: string };
  /** A play of `uploaded` unless told otherwise (what a kiosk in "da" shows). */
  const play = (overrides: Partial<PlayRecord> = {}): PlayRecord =>
    anyPlay({ contentId: uploaded.id, ...overrides });

  beforeAll(async () => {
    ({ t, close } = await backend.start());
    await createDistrict(t.baseUrl, "city");
    await createDistrict(t.baseUrl, "da", "city");
    await createDistrict(t.baseUrl, "db", "city");
    operatorA = await createUser(t.baseUrl, "operatorA", [{ role: "operator", scope: "da" }]);
    operatorB = await createUser(t.baseUrl, "operatorB", [{ role: "operator", scope: "db" }]);
    moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
    const created = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"], fullName: "欧阳娜娜" }),
    );
    expect(created.status).toBe(201);
    entry = (created.body as { entry: { id: string; maskedName: string } }).entry;
    expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
    const another = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"] }),
    );
    expect(another.status).toBe(201);
    uploaded = (another.body as { entry: { id: string } }).entry;
    expect((await approveAsSeen(t.baseUrl, moderator, uploaded.id)).status).toBe(200);
    announcement = await publishAnnouncement(
      t,
      buildAnnouncementInput({ title: "中山路夜间施工" }),
    );
    const sent = await postJson(`${t.baseUrl}/api/emergencies`, {
      title: "暴雨预警",
      districtIds: ["da"],
    });
    expect(sent.status).toBe(201);
    emergency = (sent.body as { emergency: { id: string } }).emergency;
  });

  afterAll(async () => {
    for (const k of kiosks) k.disconnect();
    await close();
  });

  /** Pairs a kiosk in `district`, disconnected after the suite. */
  async function kiosk(district: string, name: string) {
    const k = await pairKiosk(t.baseUrl, district, name);
    kiosks.push(k.socket);
    return k;
  }

  /** How many plays the database holds for a screen (every screen when none is named). */
  async function storedPlays(screenId?: string): Promise<number> {
    const row = await t.server.store.db
      .selectFrom("plays")
      .select((eb) => eb.fn.countAll().as("n"))
      .$if(screenId !== undefined, (q) => q.where("screen_id", "=", screenId ?? ""))
      .executeTakeFirstOrThrow();
    return Number(row.n);
  }

  /** GETs a report as `as` (the admin by default); the status and, on 200, the report. */
  async function report(
    path: string,
    as?: TestUser,
  ): Promise<{ status: number; report: PlayReport | null; body: unknown }> {
    const url = `${t.baseUrl}${path}`;
    const res = as ? await as.fetch(url) : await api(url);
    const body: unknown = await res.json();
    return {
      status: res.status,
      body,
      report:
        res.status === 200 ? PlayReportSchema.parse((body as { report: unknown }).report) : null,
    };
  }

  describe("uploads", () => {
    it("stores a paired kiosk's batch and receipts every play", async () => {
      const { socket, screenId } = await kiosk("da", "上传屏");
      const plays = [
        play(),
        play({ kind: "announcement", contentId: announcement.id, version: 4 }),
        play({ kind: "emergency", contentId: emergency.id, version: 0 }),
      ];
      expect(await upload(socket, { plays })).toEqual({
        ok: true,
        data: { stored: 3, duplicates: 0, refused: 0 },
      });
      expect(await storedPlays(screenId)).toBe(3);
    });

    it("stores a play once when a batch is retried after a lost receipt", async () => {
      const { socket, screenId } = await kiosk("da", "重传屏");
      const plays = [play(), play(), play()];
      await upload(socket, { plays });
      expect(await upload(socket, { plays })).toEqual({
        ok: true,
        data: { stored: 0, duplicates: 3, refused: 0 },
      });
      expect(await storedPlays(screenId)).toBe(3);
    });

    it("stores only the new plays of a batch that repeats some", async () => {
      const { socket, screenId } = await kiosk("da", "混合屏");
      const old = [play(), play()];
      await upload(socket, { plays: old });
      const fresh = [play(), play()];
      expect(await upload(socket, { plays: [old[1], fresh[0], old[0], fresh[1]] })).toEqual({
        ok: true,
        data: { stored: 2, duplicates: 2, refused: 0 },
      });
      expect(await storedPlays(screenId)).toBe(4);
    });

    it("answers validation_failed to a malformed batch and stores none of it", async () => {
      const { socket, screenId } = await kiosk("da", "畸形屏");
      const malformed: Record<string, unknown> = {
        "an empty list": { plays: [] },
        "an id that is no uuid": { plays: [play(), play({ id: "play-1" })] },
        "a negative duration": { plays: [play(), play({ durationMs: -1 })] },
        "a duration over a day": { plays: [play(), play({ durationMs: MAX_PLAY_MS + 1 })] },
        "a fractional duration": { plays: [play(), play({ durationMs: 1.5 })] },
        "an extra field on a play": { plays: [play(), { ...play(), screenId: randomUUID() }] },
        "an extra field on the batch": { plays: [play()], screenId: randomUUID() },
        "a kind not in the enum": { plays: [play(), { ...play(), kind: "video" }] },
        "a start that is no instant": { plays: [play(), play({ startedAt: "yesterday" })] },
        "a list instead of an object": [play()],
        "a string": "plays",
        null: null,
      };
      for (const [what, payload] of Object.entries(malformed)) {
        const answer = await upload(socket, payload);
        expect(answer.ok, what).toBe(false);
        if (!answer.ok) {
          expect(answer.error.code, what).toBe("validation_failed");
          expect(answer.error.message, what).toMatch(/^kiosk:plays needs/);
        }
      }
      expect(await storedPlays(screenId)).toBe(0);
      // The socket is still good for a well-formed batch.
      expect(await upload(socket, { plays: [play()] })).toMatchObject({ ok: true });
    });

    it("takes a full batch of 500 plays, and refuses 501 as malformed", async () => {
      const { socket, screenId } = await kiosk("da", "满批屏");
      // Content ids as long as a play may name, so the batch is as large as a kiosk can send;
      // the server was never asked to send such content, so it takes the batch and stores none.
      const full = Array.from({ length: 500 }, () =>
        anyPlay({ kind: "announcement", contentId: "a".repeat(128), version: 2 ** 40 }),
      );
      expect(await upload(socket, { plays: full })).toEqual({
        ok: true,
        data: { stored: 0, duplicates: 0, refused: 500 },
      });
      const shown = full.map((p) => ({ ...p, contentId: announcement.id }));
      expect(await upload(socket, { plays: shown })).toEqual({
        ok: true,
        data: { stored: 500, duplicates: 0, refused: 0 },
      });
      const tooMany = await upload(socket, { plays: [...shown.slice(1), play(), play()] });
      expect(tooMany).toMatchObject({ ok: false, error: { code: "validation_failed" } });
      expect(await storedPlays(screenId)).toBe(500);
    });

    it("refuses a kiosk that is not paired", async () => {
      const before = await storedPlays();
      const unpaired = await connectKiosk(t.baseUrl);
      try {
        const answer = await upload(unpaired, { plays: [play()] });
        expect(answer).toMatchObject({ ok: false, error: { code: "unauthenticated" } });
      } finally {
        unpaired.disconnect();
      }
      expect(await storedPlays()).toBe(before);
    });
  });

  describe("reports", () => {
    /** The instant the plays of these reports are dated back from: an hour ago, whole minutes. */
    const base = Math.floor(Date.now() / 60_000) * 60_000 - 3_600_000;
    let screenA: string;
    let screenB: string;
    let socketA: KioskSocket;

    beforeAll(async () => {
      const a = await kiosk("da", "中山路口屏");
      const b = await kiosk("da", "人民广场屏");
      screenA = a.screenId;
      socketA = a.socket;
      screenB = b.screenId;
      const unknownId = "22222222-2222-4222-8222-222222222222";
      const onA = [
        play({ contentId: entry.id, startedAt: ago(base, 30), durationMs: 10_000 }),
        play({ contentId: entry.id, startedAt: ago(base, 10), durationMs: 15_000, version: 2 }),
        play({
          kind: "announcement",
          contentId: announcement.id,
          startedAt: ago(base, 20),
          durationMs: 20_000,
        }),
        // Content the server does not know: refused, never reported.
        play({ contentId: unknownId, startedAt: ago(base, 40), durationMs: 5_000 }),
        // Eight days back: outside the default week.
        play({ contentId: entry.id, startedAt: ago(base, 8 * 24 * 60), durationMs: 7_000 }),
      ];
      expect(await upload(a.socket, { plays: onA })).toEqual({
        ok: true,
        data: { stored: 4, duplicates: 0, refused: 1 },
      });
      const onB = [
        // Reported with the kiosk's own offset: stored and ordered as the same instant in UTC.
        play({
          contentId: entry.id,
          startedAt: new Date(base - 5 * 60_000 + 8 * 3_600_000)
            .toISOString()
            .replace("Z", "+08:00"),
          durationMs: 12_000,
        }),
      ];
      expect(await upload(b.socket, { plays: onB })).toMatchObject({ ok: true });
    });

    it("reports a screen's plays per content, labelled by masked name or title, newest first", async () => {
      const { status, report: r, body } = await report(`/api/screens/${screenA}/plays`);
      expect(status).toBe(200);
      expect(r).toMatchObject({ to: null, plays: 3, totalMs: 45_000 });
      expect(r?.groups).toEqual([
        {
          id: entry.id,
          label: "欧阳某",
          plays: 2,
          totalMs: 25_000,
          lastAt: ago(base, 10),
        },
        {
          id: announcement.id,
          label: "中山路夜间施工",
          plays: 1,
          totalMs: 20_000,
          lastAt: ago(base, 20),
        },
      ]);
      expect(r?.recent.map((p) => [p.startedAt, p.screenName, p.contentId])).toEqual([
        [ago(base, 10), "中山路口屏", entry.id],
        [ago(base, 20), "中山路口屏", announcement.id],
        [ago(base, 30), "中山路口屏", entry.id],
      ]);
      expect(r?.recent[0]).toMatchObject({ screenId: screenA, kind: "entry", version: 2 });
      expect(JSON.stringify(body)).not.toContain("欧阳娜娜");
    });

    it("honours from, to and limit", async () => {
      // `to` is exclusive, and may carry an offset.
      const to = new Date(base - 10 * 60_000 + 8 * 3_600_000).toISOString().replace("Z", "+08:00");
      const ranged = await report(
        `/api/screens/${screenA}/plays?from=${encodeURIComponent(ago(base, 30))}&to=${encodeURIComponent(to)}`,
      );
      expect(ranged.status).toBe(200);
      expect(ranged.report).toMatchObject({
        from: ago(base, 30),
        to: ago(base, 10),
        plays: 2,
        totalMs: 30_000,
      });
      expect(ranged.report?.recent.map((p) => p.startedAt)).toEqual([ago(base, 20), ago(base, 30)]);

      // Going back far enough brings the old play in.
      const all = await report(
        `/api/screens/${screenA}/plays?from=${encodeURIComponent(ago(base, 9 * 24 * 60))}`,
      );
      expect(all.report).toMatchObject({ plays: 4, totalMs: 52_000 });

      // The limit pages the plays listed, never the totals.
      const limited = await report(`/api/screens/${screenA}/plays?limit=2`);
      expect(limited.report?.recent.map((p) => p.startedAt)).toEqual([
        ago(base, 10),
        ago(base, 20),
      ]);
      expect(limited.report).toMatchObject({ plays: 3, totalMs: 45_000 });
    });

    it("reports an entry's plays per screen, labelled with the screen's name", async () => {
      const { status, report: r } = await report(`/api/entries/${entry.id}/plays`);
      expect(status).toBe(200);
      expect(r).toMatchObject({ plays: 3, totalMs: 37_000 });
      expect(r?.groups).toEqual([
        { id: screenB, label: "人民广场屏", plays: 1, totalMs: 12_000, lastAt: ago(base, 5) },
        { id: screenA, label: "中山路口屏", plays: 2, totalMs: 25_000, lastAt: ago(base, 10) },
      ]);
      expect(r?.recent.map((p) => [p.screenName, p.startedAt])).toEqual([
        ["人民广场屏", ago(base, 5)],
        ["中山路口屏", ago(base, 10)],
        ["中山路口屏", ago(base, 30)],
      ]);
    });

    it("lets an operator of the district read the reports, and refuses one of another district", async () => {
      expect((await report(`/api/screens/${screenA}/plays`, operatorA)).status).toBe(200);
      expect((await report(`/api/entries/${entry.id}/plays`, operatorA)).status).toBe(200);
      for (const path of [`/api/screens/${screenA}/plays`, `/api/entries/${entry.id}/plays`]) {
        const refused = await report(path, operatorB);
        expect(refused.status, path).toBe(403);
        expect(ApiErrorSchema.parse(refused.body).error.code, path).toBe("forbidden");
      }
    });

    it("shows a reader of one district only its own screens in an entry listed in two", async () => {
      const created = await postJson(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({ districtIds: ["da", "db"] }),
      );
      expect(created.status).toBe(201);
      const shared = (created.body as { entry: { id: string } }).entry.id;
      expect((await approveAsSeen(t.baseUrl, moderator, shared)).status).toBe(200);
      const east = await kiosk("db", "城东屏");
      const on = (startedAt: string) => ({
        plays: [play({ contentId: shared, startedAt, durationMs: 9_000 })],
      });
      expect(await upload(socketA, on(ago(base, 3)))).toMatchObject({ ok: true });
      expect(await upload(east.socket, on(ago(base, 2)))).toMatchObject({ ok: true });
      const all = await report(`/api/entries/${shared}/plays`);
      expect(all.report?.plays).toBe(2);
      const own = await report(`/api/entries/${shared}/plays`, operatorB);
      expect(own.status).toBe(200);
      expect(own.report?.groups.map((g) => g.label)).toEqual(["城东屏"]);
      expect(own.report?.recent.map((p) => p.screenId)).toEqual([east.screenId]);
      expect(own.report).toMatchObject({ plays: 1, totalMs: 9_000 });
    });

    it("refuses plays of content the screen was never sent, and no report shows them", async () => {
      const east = await kiosk("db", "城东二号屏");
      const draft = await postJson(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({ districtIds: ["db"], fullName: "司马懿" }),
      );
      expect(draft.status).toBe(201);
      const draftId = (draft.body as { entry: { id: string } }).entry.id;
      const shownHere = play({ kind: "announcement", contentId: announcement.id });
      const answer = await upload(east.socket, {
        plays: [
          // District da's entry: published, but never to db.
          play({ contentId: entry.id, startedAt: ago(base, 1) }),
          // An entry of db itself, never published: no screen was sent it.
          play({ contentId: draftId }),
          // District da's emergency.
          play({ kind: "emergency", contentId: emergency.id }),
          // An entry id named as an announcement.
          play({ kind: "announcement" }),
          shownHere,
        ],
      });
      expect(answer).toEqual({ ok: true, data: { stored: 1, duplicates: 0, refused: 4 } });
      expect(await storedPlays(east.screenId)).toBe(1);

      const own = await report(`/api/screens/${east.screenId}/plays`, operatorB);
      expect(own.status).toBe(200);
      expect(own.report?.recent.map((p) => p.contentId)).toEqual([announcement.id]);
      expect(JSON.stringify(own.body)).not.toContain(entry.maskedName);
      const ofEntry = await report(`/api/entries/${entry.id}/plays`);
      expect(ofEntry.report?.groups.map((g) => g.id)).not.toContain(east.screenId);
    });

    it("answers 400 with a code and a sentence to a bad query", async () => {
      const queries = [
        "limit=0",
        "limit=501",
        "limit=ten",
        "from=garbage",
        "to=2026-13-01T00:00:00Z",
        "colour=red",
      ];
      for (const path of [`/api/screens/${screenA}/plays`, `/api/entries/${entry.id}/plays`]) {
        for (const q of queries) {
          const res = await report(`${path}?${q}`);
          expect(res.status, `${path}?${q}`).toBe(400);
          const { error } = ApiErrorSchema.parse(res.body);
          expect(error.code, q).toBe("validation_failed");
          expect(error.message, q).toMatch(/^The query string is not valid \(.+\)\.$/);
        }
      }
    });
  });
});
