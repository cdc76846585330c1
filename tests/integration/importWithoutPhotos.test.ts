import { maskName } from "../../shared/privacy/maskName";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { errorMessages } from "../../shared/messages/errorMessages";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { ImportAnswerSchema, type ImportReport } from "../../shared/schemas/importReport";
import { ReviewPageSchema } from "../../shared/schemas/reviewQueue";
import { buildCourtExportRows, buildPersonRow, toCsv } from "../fixtures/courtExport";
import { createUser } from "../support/principals";
import { api, createDistrict, useTestServer, type TestServer } from "../support/testServer";

async function importCsv(
  t: TestServer,
  file: Buffer,
  fields: Record<string, string> = {},
): Promise<{ status: number; report: ImportReport }> {
  const form = new FormData();
  form.set("kind", "discredited");
  form.set("districtIds", "zhongshan");
  form.set("expiryDate", "2029-12-31");
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set("file", new Blob([new Uint8Array(file)]), "export.csv");
  const res = await api(`${t.baseUrl}/api/imports`, { method: "POST", body: form });
  const body: unknown = await res.json();
  return { status: res.status, report: ImportAnswerSchema.parse(body).report };
}

describe("importing a court export without its photos (issue 19 item 6)", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "zhongshan"));

  it("refuses rows whose photo is missing, by a reason the console words, and says how to go on", async () => {
    const t = server();
    const rows = buildCourtExportRows(6, { seed: 31 }).map((r, i) =>
      i < 4 ? { ...r, 照片: `missing-${i}.jpg` } : { ...r, 照片: "" },
    );
    const { status, report } = await importCsv(t, toCsv(rows));
    expect(status).toBe(201);
    expect(report).toMatchObject({ accepted: 2, refused: 4 });
    const refused = report.rows.filter((r) => r.status === "refused");
    for (const r of refused) {
      if (r.status !== "refused") continue;
      expect(r.problems?.map((p) => p.reason)).toEqual(["import.photoNotSuppliedTryWithout"]);
      // The English sentence stays for API users and the CLI, as before.
      expect(r.reasons[0]).toMatch(
        /^Photo missing-\d\.jpg: The photo missing-\d\.jpg was not supplied\.$/,
      );
    }
  });

  it("imports them without the photo on request: they wait in review, and one moderator approves one text-only", async () => {
    const t = server();
    const moderator = await createUser(t.baseUrl, "mod", [
      { role: "moderator", scope: "zhongshan" },
    ]);
    const rows = [0, 1, 2].map(() => buildPersonRow({ 照片: "not-in-any-zip.jpg" }));
    const { report } = await importCsv(t, toCsv(rows), { withoutPhotos: "true" });
    expect(report).toMatchObject({ total: 3, accepted: 3, refused: 0 });
    const ids: string[] = [];
    for (const r of report.rows) {
      expect(r.status).toBe("accepted");
      if (r.status !== "accepted") continue;
      expect(r.notes).toEqual([
        { reason: "import.waitsForPhoto", params: { photo: "not-in-any-zip.jpg" } },
      ]);
      ids.push(r.entryId);
    }

    const queue = ReviewPageSchema.parse(
      await (await moderator.fetch(`${t.baseUrl}/api/entries/review-queue?limit=50`)).json(),
    );
    const waiting = queue.entries.filter((item) => ids.includes(item.entry.id));
    expect(waiting).toHaveLength(3);
    for (const item of waiting) {
      expect(item.attention).toContain("no_photo");
      expect(item.clean).toBe(false);
    }

    // Not in bulk: a person without a photo is looked at one by one.
    const bulk = await moderator.post(`${t.baseUrl}/api/entries/bulk-approve`, {
      entries: waiting.map((item) => ({ id: item.entry.id, revision: item.entry.revision })),
    });
    expect(bulk.status).toBe(200);
    expect(((await bulk.json()) as { approved: string[] }).approved).toEqual([]);

    const first = waiting[0]?.entry;
    if (!first) throw new Error("no entry waits");
    const one = await moderator.post(`${t.baseUrl}/api/entries/${first.id}/approve`, {
      revision: first.revision,
    });
    expect(one.status).toBe(200);
    const view = EntryViewSchema.parse(((await one.json()) as { entry: unknown }).entry);
    expect(view).toMatchObject({ state: "approved", hasPhoto: false });
  });

  it("keeps no photo file name that is an ID number whole, in the answer or on disk", async () => {
    const t = server();
    const idNamed = "110105199001011234";
    // The export itself named by the number too, as a clerk might save it.
    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", "zhongshan");
    form.set("expiryDate", "2029-12-31");
    form.set("withoutPhotos", "true");
    const file = toCsv([buildPersonRow({ 照片: `${idNamed}.jpg` })]);
    form.set("file", new Blob([new Uint8Array(file)]), `${idNamed}.csv`);
    const res = await api(`${t.baseUrl}/api/imports`, { method: "POST", body: form });
    const answer = ImportAnswerSchema.parse(await res.json());
    expect(answer.report.fileName).toBe("1101************34.csv");
    const { report } = answer;
    const row = report.rows[0];
    if (row?.status !== "accepted") throw new Error("the row was not accepted");
    expect(row.notes).toEqual([
      { reason: "import.waitsForPhoto", params: { photo: "1101************34.jpg" } },
    ]);
    // The batch's report is kept in the database: no file of the data folder holds the number.
    const files = readdirSync(t.dataDir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => join(f.parentPath, f.name));
    expect(files.length).toBeGreaterThan(0);
    expect(files.filter((f) => readFileSync(f).includes(Buffer.from(idNamed)))).toEqual([]);
  });

  it("keeps no photo or export file named by a person's name whole, in the answer or on disk", async () => {
    const t = server();
    const named = "滕子京";
    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", "zhongshan");
    form.set("expiryDate", "2029-12-31");
    form.set("withoutPhotos", "true");
    // The photo named after the row's own person, the export after someone (a clerk's habit).
    const own = buildPersonRow();
    const ownName = own["被执行人姓名/名称"];
    const file = toCsv([{ ...own, 照片: `被执行人${ownName}_photo.jpg` }]);
    form.set("file", new Blob([new Uint8Array(file)]), `${named}.csv`);
    const res = await api(`${t.baseUrl}/api/imports`, { method: "POST", body: form });
    const answer = ImportAnswerSchema.parse(await res.json());
    expect(answer.report.fileName).toBe("滕某.csv");
    const row = answer.report.rows[0];
    if (row?.status !== "accepted") throw new Error("the row was not accepted");
    expect(row.notes).toEqual([
      {
        reason: "import.waitsForPhoto",
        params: { photo: `被执行人${maskName(ownName)}_photo.jpg` },
      },
    ]);
    const files = readdirSync(t.dataDir, { recursive: true, withFileTypes: true })
      .filter((f) => f.isFile())
      .map((f) => join(f.parentPath, f.name));
    for (const whole of [named, ownName])
      expect(files.filter((f) => readFileSync(f).includes(Buffer.from(whole)))).toEqual([]);
  });

  it("says what to do about an expired listing without command-line wording, in both languages", async () => {
    const t = server();
    const rows = buildCourtExportRows(2, { seed: 5 }).map((r) => ({ ...r, 照片: "" }));
    const { report } = await importCsv(t, toCsv(rows), { expiryDate: "2020-01-01" });
    expect(report.refused).toBe(2);
    const row = report.rows[0];
    if (row?.status !== "refused") throw new Error("the expired row was not refused");
    expect(row.problems?.[0]).toEqual({ reason: "import.expired", params: { date: "2020-01-01" } });
    for (const sentence of [
      row.reasons[0] ?? "",
      ...Object.values(errorMessages["import.expired"]),
    ])
      expect(sentence).not.toMatch(/--/);
  });
});
