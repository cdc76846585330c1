import { afterAll, describe, expect, it } from "vitest";
import { AuditPageSchema } from "../../shared/schemas/auditRecord";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { ScreenSchema, type Screen } from "../../shared/schemas/screen";
import { publishAnnouncement } from "../support/announcements";
import { buildEntryInput } from "../support/entryFactory";
import { createUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  postJson,
  syncKiosk,
  TEST_ADMIN,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

const sockets: KioskSocket[] = [];
afterAll(() => {
  for (const s of sockets) s.disconnect();
});

async function screens(baseUrl: string): Promise<Screen[]> {
  const res = await api(`${baseUrl}/api/screens`);
  expect(res.status).toBe(200);
  return ScreenSchema.array().parse(((await res.json()) as { screens: unknown }).screens);
}

describe("the console reads names, not ids (issue 19 item 4)", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "zhongshan"));

  it("names what a screen shows: an entry's masked name, a list page's first entry, an announcement's title", async () => {
    const t = server();
    const created = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["zhongshan"], fullName: "夏雨荷", subjectType: "person" }),
    );
    expect(created.status).toBe(201);
    const entry = EntryViewSchema.parse((created.body as { entry: unknown }).entry);
    expect(entry.maskedName).toBe("夏某");
    const notice = await publishAnnouncement(t, { title: "中山路夜间施工" });

    const { socket, screenId } = await pairKiosk(t.baseUrl, "zhongshan", "中山路口屏");
    sockets.push(socket);
    const { version } = await syncKiosk(socket, 0);
    const report = (currentSlide: string | null) =>
      socket.emit("screen:status", {
        width: 1920,
        height: 1080,
        appVersion: "test",
        appliedVersion: version,
        currentSlide,
        uptimeSeconds: 10,
        memoryMb: null,
      });
    const showing = async () => (await screens(t.baseUrl)).find((s) => s.id === screenId)?.showing;

    report(`entry:${entry.id}`);
    await expect
      .poll(showing, { timeout: 10_000 })
      .toEqual({ kind: "entry", title: "夏某", page: null, pages: null });

    report(`list:1/2:${entry.id}`);
    await expect
      .poll(showing, { timeout: 10_000 })
      .toEqual({ kind: "list", title: "夏某", page: 1, pages: 2 });

    report(`announcement:${notice.id}`);
    await expect
      .poll(showing, { timeout: 10_000 })
      .toEqual({ kind: "announcement", title: "中山路夜间施工", page: null, pages: null });

    // Something gone keeps its kind without a name; the idle slide has none to give.
    report("entry:7b0c2f9e-0000-4000-8000-000000000000");
    await expect
      .poll(showing, { timeout: 10_000 })
      .toEqual({ kind: "entry", title: null, page: null, pages: null });
    report("idle");
    await expect
      .poll(showing, { timeout: 10_000 })
      .toEqual({ kind: "idle", title: null, page: null, pages: null });

    // The full name never leaves the server, in this answer or any other part of it.
    expect(JSON.stringify(await screens(t.baseUrl))).not.toContain("夏雨荷");
  });

  it("names the audit log's actors and targets: users, entries (masked), screens, districts", async () => {
    const t = server();
    const operator = await createUser(t.baseUrl, "Wang", [
      { role: "operator", scope: "zhongshan" },
    ]);
    const created = await operator.post(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["zhongshan"], fullName: "欧阳娜娜" }),
    );
    expect(created.status).toBe(201);
    const entry = EntryViewSchema.parse(((await created.json()) as { entry: unknown }).entry);

    const res = await api(`${t.baseUrl}/api/audit?limit=100`);
    expect(res.status).toBe(200);
    const text = await res.text();
    const { records } = AuditPageSchema.parse(JSON.parse(text));
    const made = records.find((r) => r.action === "entry.created" && r.target?.id === entry.id);
    expect(made?.targetName).toBe("欧阳某");
    expect(made?.actorName).toBe("Wang");
    expect(made?.actor.id).toBe(operator.id);
    const userMade = records.find(
      (r) => r.action === "user.created" && r.target?.id === operator.id,
    );
    expect(userMade?.targetName).toBe("Wang");
    expect(userMade?.actorName).toBe(TEST_ADMIN.displayName);
    const paired = records.find((r) => r.target?.type === "screen");
    expect(paired?.targetName).toBe("中山路口屏");
    const district = records.find((r) => r.target?.type === "district");
    expect(district?.targetName).toBe("zhongshan区 · zhongshan district");
    // Masked only: the full name is in no record's names (nor anywhere in the answer).
    expect(text).not.toContain("欧阳娜娜");
  });
});
