import { spawn } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import {
  COURT_EXPORT_HEADERS,
  badCourtExportRows,
  buildCourtExportRows,
  buildPersonRow,
  toCsv,
  toJson,
} from "../fixtures/courtExport";
import { demoPhoto } from "../fixtures/images";
import { buildZip } from "../fixtures/zip";
import { createUser } from "../support/principals";
import {
  api,
  createDistrict,
  makeDataDir,
  removeDataDir,
  startTestServer,
  TEST_ADMIN,
  type TestServer,
} from "../support/testServer";
import { databaseBackends, useTestServerOn } from "../support/databases";

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

describe.each(databaseBackends)("bulk import of court exports on $name", (backend) => {
  const server = useTestServerOn(backend, { env: { SIGNAGE_REDACTION_WORKERS: "1" } }, (t) =>
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

  it("masks every row without positive evidence of an organisation, and refuses conflicting ones", async () => {
    const t = server();
    const traps = [
      buildPersonRow({
        "被执行人姓名/名称": "钱小五金店",
        性别: "",
        "身份证号码/组织机构代码": "",
      }),
      buildPersonRow({ "被执行人姓名/名称": "孙大厂", 性别: "", 法定代表人或者负责人姓名: "孙某" }),
      buildPersonRow({
        "被执行人姓名/名称": "周茶馆",
        性别: "",
        "身份证号码/组织机构代码": "E12345678",
      }),
    ].map((r, i) => ({ ...r, 照片: "", 案号: `（2019）辽02执证${i + 1}号` }));
    const conflict = {
      ...buildPersonRow({ 性别: "", "身份证号码/组织机构代码": "210203198501014843" }),
      主体类型: "法人",
      照片: "",
      案号: "（2019）辽02执证9号",
    };
    const res = await importFile(
      t,
      toCsv([...traps, conflict], { headers: [...COURT_EXPORT_HEADERS, "主体类型"] }),
    );
    expect(res.body).toMatchObject({ report: { total: 4, accepted: 3, refused: 1 } });
    expect(res.body.report?.rows[3]?.reasons).toEqual([
      "主体类型 (subject type) says an organisation but 身份证号码/组织机构代码 (ID number or credit code) is a resident ID number. A row is either a person or an organisation.",
    ]);
    const list = await api(`${t.baseUrl}/api/entries?limit=200`);
    const entries = ((await list.json()) as { entries: unknown[] }).entries.map((e) =>
      EntryViewSchema.parse(e),
    );
    // masked_name is what presentScreenEntry sends to screens.
    const shown = traps.map((r) => entries.find((e) => e.caseNumber === r.案号));
    expect(shown.map((e) => [e?.subjectType, e?.maskedName])).toEqual([
      ["person", "钱某"],
      ["person", "孙某"],
      ["person", "周某"],
    ]);
    expect(entries.some((e) => e.caseNumber === conflict.案号)).toBe(false);
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

/** Runs `signage import ARGS` on a data folder; its exit code and output. */
function runCli(
  dataDir: string,
  args: string[],
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [bin, "import", ...args], {
      env: { PATH: process.env["PATH"] ?? "", SIGNAGE_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    child.stdout.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("exit", (code) => resolve({ code, stdout, stderr }));
  });
}

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
          body: JSON.stringify({ revision: listed[0]?.revision }),
        });
        expect(own.status).toBe(403);
        // The audit log records the import as that user, made from the command line.
        const audit = (await (
          await api(`${t.baseUrl}/api/audit?action=entry.imported`)
        ).json()) as {
          records: { actor: unknown; details: Record<string, unknown> }[];
        };
        expect(audit.records).toHaveLength(1);
        expect(audit.records[0]).toMatchObject({
          actor: { type: "user", id: me.user.id },
          details: { via: "cli", accepted: 2, districtIds: ["zhongshan"] },
        });
      } finally {
        await t.stop();
      }
    } finally {
      removeDataDir(dataDir);
    }
  });

  it("refuses, with exit code 2 and nothing imported, a run without --as or by a user who may not import there", async () => {
    const dataDir = makeDataDir();
    try {
      const file = join(dataDir, "export.csv");
      writeFileSync(file, toCsv([buildPersonRow({ 照片: "" })]));
      const setup = await startTestServer({ dataDir });
      await createDistrict(setup.baseUrl, "zhongshan");
      await createDistrict(setup.baseUrl, "xigang");
      const moderator = await createUser(setup.baseUrl, "mod", [
        { role: "moderator", scope: "zhongshan" },
      ]);
      const elsewhere = await createUser(setup.baseUrl, "op", [
        { role: "operator", scope: "xigang" },
      ]);
      const disabled = await createUser(setup.baseUrl, "gone", [
        { role: "operator", scope: "zhongshan" },
      ]);
      const off = await api(`${setup.baseUrl}/api/users/${disabled.id}`, {
        method: "PATCH",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ disabled: true }),
      });
      expect(off.status).toBe(200);
      await setup.stop();

      const cases: [string[], RegExp][] = [
        [[], /--as EMAIL is required/],
        [
          ["--as", "nobody@example.test"],
          /No console user has the email nobody@example\.test\. Nothing was imported\./,
        ],
        [["--as", disabled.email], /is disabled\. Nothing was imported\./],
        [["--as", moderator.email], /is not an operator of district "zhongshan"/],
        [["--as", elsewhere.email], /is not an operator of district "zhongshan"/],
        [
          ["--as", elsewhere.email, "--district", "zhongshan,xigang"],
          /is not an operator of district "zhongshan"/,
        ],
      ];
      for (const [extra, message] of cases) {
        const run = await runCli(dataDir, [
          file,
          "--district",
          "zhongshan",
          "--expiry",
          "2029-12-31",
          ...extra,
        ]);
        expect({ extra, code: run.code }).toEqual({ extra, code: 2 });
        expect(run.stderr).toMatch(message);
      }

      const t = await startTestServer({ dataDir });
      try {
        expect(await countEntries(t)).toBe(0);
      } finally {
        await t.stop();
      }
    } finally {
      removeDataDir(dataDir);
    }
  });
});
