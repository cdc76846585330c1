import { randomUUID } from "node:crypto";
import { setFlagsFromString } from "node:v8";
import { runInNewContext } from "node:vm";
import { beforeAll, describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import { createUser, type TestUser } from "../support/principals";
import { api, createDistrict, pairKiosk, useTestServer } from "../support/testServer";

const PLAYS = 100_000;
const t0 = Date.parse("2026-03-01T00:00:00.000Z");

/** The garbage collector, so the heap is measured without yesterday's litter. */
function collector(): () => void {
  setFlagsFromString("--expose_gc");
  return runInNewContext("gc") as () => void;
}

/**
 * Reads a streamed response line by line without keeping it, calling `onLine` per line.
 */
async function eachLine(res: Response, onLine: (line: string) => void): Promise<void> {
  if (!res.body) throw new Error("no body");
  const decoder = new TextDecoder();
  let rest = "";
  const reader = res.body.getReader();
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    rest += decoder.decode(value, { stream: true });
    const lines = rest.split("\r\n");
    rest = lines.pop() ?? "";
    for (const line of lines) onLine(line);
  }
  rest += decoder.decode();
  if (rest !== "") onLine(rest);
}

/**
 * `api()`, once more if the pooled keep-alive socket was closed by the server meanwhile (the
 * setup above outlasts its keep-alive timeout, and undici may pick the dying socket).
 */
async function apiOnFreshSocket(url: string): Promise<Response> {
  try {
    return await api(url);
  } catch (err) {
    const cause = (err as { cause?: { code?: string } }).cause;
    if (cause?.code !== "ECONNRESET") throw err;
    return api(url);
  }
}

describe("proof-of-play export", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "city");
    await createDistrict(t.baseUrl, "da", "city");
    await createDistrict(t.baseUrl, "da-sub", "da");
    await createDistrict(t.baseUrl, "db", "city");
  });
  const screens = { a: "", sub: "", b: "" };
  let announcementId = "";
  let operatorB: TestUser;

  beforeAll(async () => {
    const t = server();
    operatorB = await createUser(t.baseUrl, "operatorB", [{ role: "operator", scope: "db" }]);
    for (const [key, district, name] of [
      ["a", "da", "Stop 1, north"],
      ["sub", "da-sub", "=cmd|' /C calc'!A0"],
      ["b", "db", "东门"],
    ] as const) {
      const k = await pairKiosk(t.baseUrl, district, name);
      screens[key] = k.screenId;
      k.socket.disconnect();
    }
    const published = await publishAnnouncement(t, {
      title: '=HYPERLINK("http://evil.example","点我")',
    });
    announcementId = published.id;
    // A year of plays spread over the three screens, written straight into the store.
    const db = t.server.store.db;
    const order = [screens.a, screens.sub, screens.b];
    for (let i = 0; i < PLAYS; i += 1_000) {
      const rows = [];
      for (let j = i; j < Math.min(PLAYS, i + 1_000); j++)
        rows.push({
          screen_id: order[j % 3] ?? "",
          play_id: randomUUID(),
          kind: "announcement" as const,
          content_id: j % 10 === 0 ? announcementId : `other-${j % 7}`,
          version: 1,
          started_at: new Date(t0 + j * 300_000).toISOString(),
          duration_ms: 10_000,
          received_at: new Date(t0 + j * 300_000 + 60_000).toISOString(),
        });
      await db.insertInto("plays").values(rows).execute();
    }
  }, 120_000);

  const exportUrl = (query: string): string => `${server().baseUrl}/api/plays/export?${query}`;

  it("streams 100,000 plays as CSV, every row, with the server's heap growth bounded", async () => {
    const gc = collector();
    gc();
    const baseline = process.memoryUsage().heapUsed;
    let retained = 0;
    const res = await apiOnFreshSocket(exportUrl("format=csv&from=2026-01-01T00:00:00Z"));
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toBe("text/csv; charset=utf-8");
    expect(res.headers.get("content-disposition")).toBe(
      'attachment; filename="plays-2026-01-01-now.csv"',
    );
    let header = "";
    let rows = 0;
    let lastStarted = "";
    let inOrder = true;
    const samples: string[] = [];
    await eachLine(res, (line) => {
      if (header === "") {
        header = line;
        return;
      }
      rows += 1;
      // What the server holds mid-export, garbage collected: what it keeps, not its litter.
      if (rows % 25_000 === 0) {
        gc();
        retained = Math.max(retained, process.memoryUsage().heapUsed - baseline);
      }
      const started = line.slice(0, line.indexOf(","));
      if (started < lastStarted) inOrder = false;
      lastStarted = started;
      if (rows <= 3 || rows === 10) samples.push(line);
    });
    expect(header).toBe(
      "startedAt,durationMs,screenId,screenName,districtId,kind,contentId,contentLabel,version,playId,receivedAt",
    );
    expect(rows).toBe(PLAYS);
    expect(inOrder).toBe(true);
    // Cells a spreadsheet would run as formulas start with an apostrophe; commas are quoted.
    expect(samples[0]).toContain(`,"Stop 1, north",da,announcement,${announcementId},`);
    expect(samples[0]).toContain(`,"'=HYPERLINK(""http://evil.example"",""点我"")",1,`);
    expect(samples[1]).toContain(`,'=cmd|' /C calc'!A0,da-sub,`);
    expect(samples[2]).toContain(",东门,db,announcement,other-2,,1,");
    // Streamed, the server keeps about a page (measured: under 2 MB); buffering the whole set
    // keeps over 40 MB of these 100,000 rows until the last one is written (measured: 43 MB).
    expect(retained).toBeLessThan(20 * 1024 * 1024);
  }, 120_000);

  it("exports JSON per district, screen, content and period, only from the caller's districts", async () => {
    const t = server();
    const from = new Date(t0).toISOString();
    const to = new Date(t0 + 300 * 300_000).toISOString();
    const read = async (query: string, as?: TestUser) => {
      const res = await (as ? as.fetch(exportUrl(query)) : api(exportUrl(query)));
      expect(res.status).toBe(200);
      expect(res.headers.get("content-type")).toBe("application/json; charset=utf-8");
      return (await res.json()) as {
        from: string;
        to: string | null;
        plays: { screenId: string; districtId: string; contentId: string; startedAt: string }[];
      };
    };
    const all = await read(`format=json&from=${from}&to=${to}`);
    expect(all).toMatchObject({ from, to });
    expect(all.plays).toHaveLength(300);
    // A district covers its sub-districts.
    const inA = await read(`format=json&district=da&from=${from}&to=${to}`);
    expect(inA.plays).toHaveLength(200);
    expect(new Set(inA.plays.map((p) => p.districtId))).toEqual(new Set(["da", "da-sub"]));
    const oneScreen = await read(`format=json&screen=${screens.b}&from=${from}&to=${to}`);
    expect(oneScreen.plays).toHaveLength(100);
    const oneContent = await read(`format=json&content=${announcementId}&from=${from}&to=${to}`);
    expect(oneContent.plays).toHaveLength(30);
    expect(oneContent.plays.every((p) => p.contentId === announcementId)).toBe(true);
    // Operator of B: only B's screen, whatever is asked; asking for A is refused.
    const asB = await read(`format=json&from=${from}&to=${to}`, operatorB);
    expect(asB.plays).toHaveLength(100);
    expect(asB.plays.every((p) => p.districtId === "db")).toBe(true);
    const screenOfA = await read(`format=json&screen=${screens.a}&from=${from}`, operatorB);
    expect(screenOfA.plays).toEqual([]);
    const refused = await operatorB.fetch(exportUrl("format=json&district=da"));
    expect(refused.status).toBe(403);
    expect(t.baseUrl).toBeTruthy();
  });

  it("answers a malformed query with a 400, a code and a sentence", async () => {
    for (const query of [
      "format=xml",
      "from=yesterday",
      "from=2026-03-02T00:00:00Z&to=2026-03-01T00:00:00Z",
      "screen=not-a-uuid",
      "bom=yes",
      "limit=5",
    ]) {
      const res = await api(exportUrl(query));
      expect(res.status, query).toBe(400);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("validation_failed");
      expect(body.error.message).toMatch(/query string is not valid/);
    }
  });

  it("writes a UTF-8 byte-order mark first when asked", async () => {
    const res = await api(
      exportUrl(`bom=1&screen=${screens.b}&from=2026-03-01T00:00:00Z&to=2026-03-01T00:20:00Z`),
    );
    const bytes = new Uint8Array(await res.arrayBuffer());
    expect([...bytes.slice(0, 3)]).toEqual([0xef, 0xbb, 0xbf]);
    const text = new TextDecoder().decode(bytes.slice(3));
    expect(text.split("\r\n").filter((l) => l !== "")).toHaveLength(2);
  });
});
