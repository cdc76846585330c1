import { readFileSync, readdirSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryPageSchema, EntryViewSchema, type EntryPage } from "../../shared/schemas/entryView";
import { buildEntryInput } from "../support/entryFactory";
import {
  api,
  createDistrict,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";
import { backendDatabase, databaseBackends } from "../support/databases";

async function listEntries(t: TestServer, query = ""): Promise<EntryPage> {
  const res = await api(`${t.baseUrl}/api/entries${query}`);
  expect(res.status).toBe(200);
  return EntryPageSchema.parse(await res.json());
}

function dataDirBytes(dir: string): Buffer {
  // Everything the server wrote: database, WAL, key file.
  return Buffer.concat(readdirSync(dir).map((f) => readFileSync(join(dir, f))));
}

describe.each(databaseBackends)("entries API on $name", (backend) => {
  let t: TestServer;
  let database: Awaited<ReturnType<typeof backendDatabase>>;
  beforeAll(async () => {
    database = await backendDatabase(backend);
    t = await startTestServer({ env: database.env });
    for (const d of ["dongcheng", "xicheng"]) await createDistrict(t.baseUrl, d);
  }, 120_000);
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
    await database.drop();
  });

  it("creates an entry with the name masked and the ID number kept out of every answer", async () => {
    const input = buildEntryInput({ fullName: "欧阳娜娜", idNumber: "110101199001011234" });
    const res = await postJson(`${t.baseUrl}/api/entries`, input);
    expect(res.status).toBe(201);
    const entry = EntryViewSchema.parse((res.body as { entry: unknown }).entry);
    expect(entry.maskedName).toBe("欧阳某");
    expect(entry.hasIdNumber).toBe(true);
    expect(entry.state).toBe("pending_review");
    expect(JSON.stringify(res.body)).not.toContain("110101199001011234");

    const one = await api(`${t.baseUrl}/api/entries/${entry.id}`);
    const text = await one.text();
    expect(text).not.toContain("110101199001011234");
    expect(text).toContain("欧阳某");
  });

  it("keeps the full ID number unreadable on disk", async () => {
    const id = "110101198512127777";
    const res = await postJson(`${t.baseUrl}/api/entries`, buildEntryInput({ idNumber: id }));
    expect(res.status).toBe(201);
    const disk = dataDirBytes(t.dataDir);
    expect(disk.includes(Buffer.from(id))).toBe(false);
    expect(disk.includes(Buffer.from(id, "utf16le"))).toBe(false);
  });

  it("refuses a second entry for the same case at the same court with a 409", async () => {
    const input = buildEntryInput();
    expect((await postJson(`${t.baseUrl}/api/entries`, input)).status).toBe(201);
    const again = await postJson(`${t.baseUrl}/api/entries`, { ...input, fullName: "王五" });
    expect(again.status).toBe(409);
    expect(again.body).toMatchObject({ error: { code: "conflict" } });
  });

  it("lists with filters, search and keyset pages", async () => {
    for (let i = 0; i < 5; i++) {
      const r = await postJson(
        `${t.baseUrl}/api/entries`,
        buildEntryInput({
          kind: "redlist",
          districtIds: ["xicheng"],
          caseNumber: `（2025）红${i}号`,
        }),
      );
      expect(r.status).toBe(201);
    }
    const red = await listEntries(t, "?kind=redlist&district=xicheng");
    expect(red.entries).toHaveLength(5);
    expect(
      red.entries.every((e) => e.kind === "redlist" && e.districtIds.includes("xicheng")),
    ).toBe(true);

    const search = await listEntries(t, `?q=${encodeURIComponent("红3")}`);
    expect(search.entries.map((e) => e.caseNumber)).toEqual(["（2025）红3号"]);

    const literal = await listEntries(t, `?q=${encodeURIComponent("%")}`);
    expect(literal.entries).toHaveLength(0);

    const page1 = await listEntries(t, "?kind=redlist&limit=2");
    expect(page1.entries).toHaveLength(2);
    expect(page1.nextCursor).not.toBeNull();
    const page2 = await listEntries(t, `?kind=redlist&limit=2&cursor=${page1.nextCursor ?? ""}`);
    const page3 = await listEntries(t, `?kind=redlist&limit=2&cursor=${page2.nextCursor ?? ""}`);
    const ids = [...page1.entries, ...page2.entries, ...page3.entries].map((e) => e.id);
    expect(new Set(ids).size).toBe(5);
  });

  const bad: [string, Record<string, unknown>][] = [
    ["a negative amount", { amountMinor: -500 }],
    ["a date that does not exist", { listingDate: "2019-02-30" }],
    ["an expiry before the listing", { listingDate: "2026-05-01", expiryDate: "2026-04-01" }],
    ["an empty case number", { caseNumber: "  " }],
    ["no district", { districtIds: [] }],
    ["an unknown district", { districtIds: ["atlantis"] }],
    ["an expiry date already past", { listingDate: "2020-01-01", expiryDate: "2022-01-01" }],
    ["markup in a name", { fullName: "<img src=x onerror=alert(1)>李四" }],
    ["a formula as a name", { fullName: '=HYPERLINK("http://x","张三")' }],
    ["an unknown field", { secret: "x" }],
    ["a malformed ID number", { idNumber: "12; DROP TABLE entries" }],
  ];
  for (const [name, patch] of bad) {
    it(`refuses ${name} with a 400 and stores nothing`, async () => {
      const before = (await listEntries(t, "?limit=200")).entries.length;
      const res = await postJson(`${t.baseUrl}/api/entries`, { ...buildEntryInput(), ...patch });
      expect(res.status).toBe(400);
      expect(res.body).toMatchObject({ error: { code: "validation_failed" } });
      expect((await listEntries(t, "?limit=200")).entries.length).toBe(before);
    });
  }

  it("stores names with markup as plain text, never interpreted", async () => {
    const res = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ obligation: "<script>alert(1)</script>给付1元" }),
    );
    expect(res.status).toBe(201);
    const entry = EntryViewSchema.parse((res.body as { entry: unknown }).entry);
    expect(entry.obligation).toBe("<script>alert(1)</script>给付1元");
    const page = await api(`${t.baseUrl}/api/entries/${entry.id}`);
    expect(page.headers.get("content-type")).toMatch(/^application\/json/);
  });

  it("refuses bad query strings and unknown ids", async () => {
    expect((await api(`${t.baseUrl}/api/entries?state=published`)).status).toBe(400);
    expect((await api(`${t.baseUrl}/api/entries?cursor=garbage`)).status).toBe(400);
    expect((await api(`${t.baseUrl}/api/entries/not-a-uuid`)).status).toBe(400);
    expect(
      (await api(`${t.baseUrl}/api/entries/00000000-0000-4000-8000-000000000000`)).status,
    ).toBe(404);
  });

  it("edits an entry: the name is masked again, the ID number can be removed, nothing else moves", async () => {
    const created = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ fullName: "王小明" }),
    );
    const id = (created.body as { entry: { id: string } }).entry.id;
    const res = await api(`${t.baseUrl}/api/entries/${id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ fullName: "司马光", idNumber: null, districtIds: ["xicheng"] }),
    });
    expect(res.status).toBe(200);
    const entry = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    expect(entry).toMatchObject({
      maskedName: "司马某",
      hasIdNumber: false,
      districtIds: ["xicheng"],
    });
    expect(entry.caseNumber).toBe(
      EntryViewSchema.parse((created.body as { entry: unknown }).entry).caseNumber,
    );
  });

  it("refuses edits that break the rules and changes nothing", async () => {
    const a = await postJson(`${t.baseUrl}/api/entries`, buildEntryInput());
    const b = await postJson(`${t.baseUrl}/api/entries`, buildEntryInput());
    const idA = (a.body as { entry: { id: string } }).entry.id;
    const caseB = (b.body as { entry: { caseNumber: string; court: string } }).entry;
    const before = await (await api(`${t.baseUrl}/api/entries/${idA}`)).text();
    const cases: [unknown, number][] = [
      [{}, 400],
      [{ kind: "redlist" }, 400],
      [{ expiryDate: "2026-01-01" }, 400],
      [{ amountMinor: -1 }, 400],
      [{ districtIds: ["atlantis"] }, 400],
      [{ caseNumber: caseB.caseNumber, court: caseB.court }, 409],
    ];
    for (const [body, status] of cases) {
      const res = await api(`${t.baseUrl}/api/entries/${idA}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(body),
      });
      expect(res.status).toBe(status);
    }
    expect(await (await api(`${t.baseUrl}/api/entries/${idA}`)).text()).toBe(before);
  });
});
