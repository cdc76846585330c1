import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import {
  badCourtExportRows,
  buildCourtExportRows,
  buildPersonRow,
  toCsv,
  toJson,
} from "../fixtures/courtExport";
import { demoPhoto } from "../fixtures/images";
import { buildZip } from "../fixtures/zip";
import {
  api,
  createDistrict,
  makeDataDir,
  removeDataDir,
  startTestServer,
  TEST_ADMIN,
  type TestServer,
  useTestServer,
} from "../support/testServer";

const bin = join(import.meta.dirname, "../../bin/signage.js");

interface Report {
  total: number;
  accepted: number;
  unchanged: number;
  refused: number;
  rows: { line: number; status: string; reasons?: string[] }[];
}

async function importFile(
  t: TestServer,
  file: Buffer,
  fields: Record<string, string> = {},
  photos?: Buffer,
): Promise<{
  status: number;
  body: { report?: Report; error?: { code: string; message: string } };
}> {
  const form = new FormData();
  form.set("kind", "discredited");
  form.set("districtIds", "zhongshan");
  form.set("expiryDate", "2029-12-31");
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set("file", new Blob([new Uint8Array(file)]), "export.csv");
  if (photos) form.set("photos", new Blob([new Uint8Array(photos)]), "photos.zip");
  const res = await api(`${t.baseUrl}/api/imports`, { method: "POST", body: form });
  return { status: res.status, body: (await res.json()) as never };
}

async function countEntries(t: TestServer): Promise<number> {
  const res = await api(`${t.baseUrl}/api/entries?limit=200`);
  return ((await res.json()) as { entries: unknown[] }).entries.length;
}

describe("bulk import of court exports", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } }, (t) =>
    createDistrict(t.baseUrl, "zhongshan"),
  );

  it("imports a GB18030 export, and importing it again changes nothing", async () => {
    const t = server();
    const rows = buildCourtExportRows(40, { seed: 7 }).map((r) => ({ ...r, 照片: "" }));
    const file = toCsv(rows, { encoding: "gb18030" });
    const first = await importFile(t, file);
    expect(first.status).toBe(201);
    expect(first.body.report).toMatchObject({ total: 40, accepted: 40, unchanged: 0, refused: 0 });
    const count = await countEntries(t);

    const again = await importFile(t, file);
    expect(again.status).toBe(200);
    expect(again.body.report).toMatchObject({ total: 40, accepted: 0, unchanged: 40, refused: 0 });
    expect(await countEntries(t)).toBe(count);

    // The same rows as UTF-8 JSON are the same cases: still nothing new.
    const json = await importFile(t, toJson(rows));
    expect(json.body.report).toMatchObject({ accepted: 0, unchanged: 40 });
  });

  it("reports each bad row with its line and reason, and imports the good ones", async () => {
    const t = server();
    const good = buildCourtExportRows(20, { seed: 99 }).map((r) => ({
      ...r,
      照片: "",
      案号: r.案号.replace("执", "执乙"),
    }));
    const bad = Object.values(badCourtExportRows).map((make) => ({ ...make(), 照片: "" }));
    const res = await importFile(t, toCsv([...good, ...bad]));
    const report = res.body.report;
    expect(report).toMatchObject({ total: 25, accepted: 20, refused: 5 });
    const refused = report?.rows.filter((r) => r.status === "refused") ?? [];
    expect(refused.map((r) => r.line)).toEqual([22, 23, 24, 25, 26]);
    for (const r of refused) expect(r.reasons?.join(" ")).toMatch(/\w.{8,}/);
    // Names with formulas or markup never become entries.
    const list = await api(`${t.baseUrl}/api/entries?limit=200`);
    const text = await list.text();
    expect(text).not.toContain("HYPERLINK");
    expect(text).not.toContain("onerror");
  });

  it("refuses an export without the required columns and stores nothing", async () => {
    const t = server();
    const before = await countEntries(t);
    const file = toCsv([buildPersonRow()], { headers: ["被执行人姓名/名称", "性别"] });
    const res = await importFile(t, file);
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toMatch(/column/);
    expect(await countEntries(t)).toBe(before);
  });

  it("refuses an import into an unknown district and stores nothing", async () => {
    const t = server();
    const before = await countEntries(t);
    const res = await importFile(t, toCsv([buildPersonRow({ 照片: "" })]), {
      districtIds: "zhongshan,atlantis",
    });
    expect(res.status).toBe(400);
    expect(res.body.error?.message).toContain("atlantis");
    expect(await countEntries(t)).toBe(before);
  });

  it("refuses a binary file and bad form fields with a 4xx", async () => {
    const t = server();
    const png = await importFile(t, Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 0, 1, 2, 3]));
    expect(png.status).toBeGreaterThanOrEqual(400);
    expect(png.status).toBeLessThan(500);
    const kind = await importFile(t, toCsv([buildPersonRow()]), { kind: "wanted" });
    expect(kind.status).toBe(400);
    const date = await importFile(t, toCsv([buildPersonRow()]), { expiryDate: "2029-02-30" });
    expect(date.status).toBe(400);
  });

  it("matches photos from a zip by file name and queues their redaction", async () => {
    const t = server();
    const face = await demoPhoto(2);
    const rows = [
      buildPersonRow({ 照片: "p-1.jpg", 案号: "（2026）辽0202执90001号" }),
      buildPersonRow({ 照片: "missing.jpg", 案号: "（2026）辽0202执90002号" }),
      buildPersonRow({ 照片: "bad.jpg", 案号: "（2026）辽0202执90003号" }),
    ];
    const zip = buildZip([
      { name: "photos/p-1.jpg", bytes: face },
      { name: "bad.jpg", bytes: Buffer.from("not an image") },
    ]);
    const res = await importFile(t, toCsv(rows), {}, zip);
    expect(res.body.report).toMatchObject({ accepted: 1, refused: 2 });
    const reasons = res.body.report?.rows.flatMap((r) => r.reasons ?? []).join(" ") ?? "";
    expect(reasons).toContain("missing.jpg");
    expect(reasons).toContain("bad.jpg");

    const found = await api(`${t.baseUrl}/api/entries?q=${encodeURIComponent("执90001")}`);
    const entry = EntryViewSchema.parse(
      ((await found.json()) as { entries: unknown[] }).entries[0],
    );
    expect(entry.hasPhoto).toBe(true);
    expect(["queued", "processing", "done", "needs_review"]).toContain(entry.redactionStatus);
  });
});

describe("signage import (CLI)", () => {
  it("imports with a progress report, and a server started afterwards redacts the queued photos", async () => {
    const dataDir = makeDataDir();
    try {
      const photos = join(dataDir, "photos");
      mkdirSync(photos);
      writeFileSync(join(photos, "x-1.jpg"), await demoPhoto(3));
      const rows = [buildPersonRow({ 照片: "x-1.jpg" }), buildPersonRow({ 照片: "" })];
      const file = join(dataDir, "export.csv");
      writeFileSync(file, toCsv(rows));
      const setup = await startTestServer({ dataDir });
      await createDistrict(setup.baseUrl, "zhongshan");
      await setup.stop();
      const run = await new Promise<{ code: number | null; stdout: string; stderr: string }>(
        (resolve) => {
          const child = spawn(
            process.execPath,
            [
              bin,
              "import",
              file,
              "--district",
              "zhongshan",
              "--photos",
              photos,
              "--expiry",
              "2029-06-30",
              "--as",
              TEST_ADMIN.email,
            ],
            {
              env: { PATH: process.env["PATH"] ?? "", SIGNAGE_DATA_DIR: dataDir },
              stdio: ["ignore", "pipe", "pipe"],
            },
          );
          let stdout = "";
          let stderr = "";
          child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
          child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
          child.on("exit", (code) => resolve({ code, stdout, stderr }));
        },
      );
      expect(run.stderr).toContain("saving");
      expect(run.stdout).toMatch(/2 rows — 2 accepted, 0 unchanged, 0 refused/);
      expect(run.code).toBe(0);

      // The job waited in the database; the server picks it up on start.
      const t = await startTestServer({ dataDir, env: { SIGNAGE_REDACTION_WORKERS: "1" } });
      try {
        const deadline = Date.now() + 90_000;
        let status = "";
        while (Date.now() < deadline) {
          const res = await api(`${t.baseUrl}/api/entries?limit=10`);
          const entries = ((await res.json()) as { entries: unknown[] }).entries.map((e) =>
            EntryViewSchema.parse(e),
          );
          status = entries.find((e) => e.hasPhoto)?.redactionStatus ?? "";
          if (status === "done" || status === "needs_review" || status === "failed") break;
          await new Promise((r) => setTimeout(r, 250));
        }
        expect(status).toBe("done");
        // --as made the admin their submitter: four eyes holds for command-line imports too.
        const me = (await (await api(`${t.baseUrl}/api/auth/me`)).json()) as {
          user: { id: string };
        };
        const listed = (
          (await (await api(`${t.baseUrl}/api/entries?limit=10`)).json()) as {
            entries: unknown[];
          }
        ).entries.map((e) => EntryViewSchema.parse(e));
        expect(listed.map((e) => e.createdBy)).toEqual([me.user.id, me.user.id]);
        const own = await api(`${t.baseUrl}/api/entries/${listed[0]?.id ?? ""}/approve`, {
          method: "POST",
          headers: { "Content-Type": "application/json" },
          body: "{}",
        });
        expect(own.status).toBe(403);
      } finally {
        await t.stop();
      }
    } finally {
      removeDataDir(dataDir);
    }
  });

  it("refuses --as with an email no active user has, importing nothing", async () => {
    const dataDir = makeDataDir();
    try {
      const file = join(dataDir, "export.csv");
      writeFileSync(file, toCsv([buildPersonRow()]));
      const run = await new Promise<{ code: number | null; stderr: string }>((resolve) => {
        const child = spawn(
          process.execPath,
          [bin, "import", file, "--district", "zhongshan", "--as", "nobody@example.test"],
          {
            env: { PATH: process.env["PATH"] ?? "", SIGNAGE_DATA_DIR: dataDir },
            stdio: ["ignore", "ignore", "pipe"],
          },
        );
        let stderr = "";
        child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
        child.on("exit", (code) => resolve({ code, stderr }));
      });
      expect(run.code).toBe(1);
      expect(run.stderr).toMatch(/no active console user has the email nobody@example\.test/);
    } finally {
      removeDataDir(dataDir);
    }
  });
});
