import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { sql, type Kysely } from "kysely";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { wordError } from "../../shared/messages/errorMessages";
import { loadConfig } from "../../server/config";
import { startServer } from "../../server/index";
import { EntryExpiry } from "../../server/services/EntryExpiry";
import { rawDataAad, RawVault, type RawPurpose } from "../../server/services/crypto/RawVault";
import type { Database } from "../../server/store/schema";
import { buildPersonRow, toCsv } from "../fixtures/courtExport";
import { demoPhoto } from "../fixtures/images";
import { buildEntryInput } from "../support/entryFactory";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import {
  api,
  createDistrict,
  makeDataDir,
  removeDataDir,
  setupTokenFromLog,
  signInAdmin,
  startTestServer,
  waitForRedaction,
  type TestServer,
} from "../support/testServer";

/** A byte string to look for, named for the failure message. */
interface Needle {
  what: string;
  bytes: Buffer;
}

/** A text as UTF-8, UTF-16LE and UTF-16BE: the forms a database or a log may hold it in. */
function textForms(what: string, text: string): Needle[] {
  const le = Buffer.from(text, "utf16le");
  const be = Buffer.from(le).swap16();
  return [
    { what: `${what} (UTF-8)`, bytes: Buffer.from(text, "utf8") },
    { what: `${what} (UTF-16LE)`, bytes: le },
    { what: `${what} (UTF-16BE)`, bytes: be },
  ];
}

/** A distinctive run of bytes from the middle of a file (entropy-coded JPEG data). */
function sliceOf(what: string, bytes: Buffer, length = 48): Needle {
  const start = Math.floor(bytes.length / 2);
  return { what, bytes: Buffer.from(bytes.subarray(start, start + length)) };
}

/** Every file under `dir`, recursively (database, -wal, -shm, key file, anything else). */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** Which needles occur in which file of the folder. */
function scanFolder(dir: string, needles: readonly Needle[]): string[] {
  const hits: string[] = [];
  for (const file of filesUnder(dir)) {
    const bytes = readFileSync(file);
    for (const n of needles) if (bytes.includes(n.bytes)) hits.push(`${n.what} in ${file}`);
  }
  return hits;
}

/** Every value of every text and binary column of every table, as bytes (PostgreSQL). */
async function postgresTableBytes(
  db: Kysely<Database>,
): Promise<{ where: string; bytes: Buffer }[]> {
  const columns = await sql<{ table_name: string; column_name: string }>`
    select table_name, column_name from information_schema.columns
    where table_schema = 'public'
      and data_type in ('text', 'bytea', 'character varying', 'json', 'jsonb')`.execute(db);
  const out: { where: string; bytes: Buffer }[] = [];
  for (const c of columns.rows) {
    const values = await sql<{
      v: unknown;
    }>`select ${sql.ref(c.column_name)} as v from ${sql.table(c.table_name)}`.execute(db);
    for (const { v } of values.rows) {
      if (v === null) continue;
      const bytes = Buffer.isBuffer(v)
        ? v
        : Buffer.from(typeof v === "string" ? v : JSON.stringify(v), "utf8");
      out.push({ where: `${c.table_name}.${c.column_name}`, bytes });
    }
  }
  return out;
}

/** Every blob of every table (SQLite), with where it was found. */
async function sqliteBlobs(db: Kysely<Database>): Promise<{ where: string; bytes: Buffer }[]> {
  const tables = await sql<{
    name: string;
  }>`select name from sqlite_master where type = 'table'`.execute(db);
  const out: { where: string; bytes: Buffer }[] = [];
  for (const { name } of tables.rows) {
    const rows = await sql<Record<string, unknown>>`select * from ${sql.table(name)}`.execute(db);
    for (const row of rows.rows)
      for (const [column, v] of Object.entries(row))
        if (Buffer.isBuffer(v)) out.push({ where: `${name}.${column}`, bytes: v });
  }
  return out;
}

/** What the store holds of an entry's secrets while it is live, to look for after erasure. */
async function sealedSecretsOf(db: Kysely<Database>, id: string): Promise<Needle[]> {
  const row = await db
    .selectFrom("entries")
    .select(["full_name_sealed", "id_number_sealed", "id_fingerprint"])
    .where("id", "=", id)
    .executeTakeFirstOrThrow();
  const key = await db
    .selectFrom("entry_keys")
    .select("wrapped")
    .where("entry_id", "=", id)
    .executeTakeFirstOrThrow();
  const photo = await db
    .selectFrom("raw_photos")
    .select("sealed")
    .where("entry_id", "=", id)
    .executeTakeFirst();
  if (!row.full_name_sealed || !row.id_number_sealed || !row.id_fingerprint)
    throw new Error("the live entry should hold a sealed name, ID number and fingerprint");
  return [
    { what: "the wrapped data key", bytes: key.wrapped },
    { what: "the sealed full name", bytes: row.full_name_sealed },
    { what: "the sealed ID number", bytes: row.id_number_sealed },
    ...(photo ? [sliceOf("the sealed photo", photo.sealed)] : []),
    { what: "the ID fingerprint", bytes: Buffer.from(row.id_fingerprint, "utf8") },
  ];
}

/** Creates an entry with a photo as the signed-in admin; returns its id. */
async function createWithPhoto(
  baseUrl: string,
  input: ReturnType<typeof buildEntryInput>,
  photo: Buffer,
): Promise<{ id: string; answer: string }> {
  const form = new FormData();
  form.set("entry", JSON.stringify(input));
  form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
  const res = await api(`${baseUrl}/api/entries`, { method: "POST", body: form });
  const answer = await res.text();
  expect(res.status, answer).toBe(201);
  const entry = EntryViewSchema.parse((JSON.parse(answer) as { entry: unknown }).entry);
  return { id: entry.id, answer };
}

async function revoke(baseUrl: string, id: string): Promise<string> {
  const res = await api(`${baseUrl}/api/entries/${id}/revoke`, {
    method: "POST",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify({ reason: "obligation_fulfilled" }),
  });
  const answer = await res.text();
  expect(res.status, answer).toBe(200);
  return answer;
}

/**
 * The bytes of an entry's renditions as the console fetches them: the raw photo's own pixels
 * outside the covered faces, in clear, to look for after erasure.
 */
async function renditionsOf(baseUrl: string, id: string): Promise<Needle[]> {
  const needles: Needle[] = [];
  for (const variant of ["display", "thumb"] as const) {
    const res = await api(`${baseUrl}/api/entries/${id}/renditions/${variant}`);
    expect(res.status, `the ${variant} rendition`).toBe(200);
    needles.push(sliceOf(`the ${variant} rendition`, Buffer.from(await res.arrayBuffer())));
  }
  return needles;
}

/** An ended entry has no rendition or redaction result left, and the console is told so. */
async function expectRenditionsErased(
  db: Kysely<Database>,
  baseUrl: string,
  id: string,
): Promise<void> {
  expect(
    await db.selectFrom("renditions").select("variant").where("entry_id", "=", id).execute(),
  ).toEqual([]);
  expect(
    await db.selectFrom("redaction_results").select("verdict").where("entry_id", "=", id).execute(),
  ).toEqual([]);
  for (const variant of ["display", "thumb"] as const) {
    const res = await api(`${baseUrl}/api/entries/${id}/renditions/${variant}`);
    expect(res.status, `the ${variant} rendition`).toBe(410);
    expect(res.headers.get("content-type")).toMatch(/^application\/json/);
    expect(await res.json()).toMatchObject({
      error: {
        code: "gone",
        reason: "entry.renditionErased",
        message: wordError("entry.renditionErased", {}, "en"),
      },
    });
  }
  // The entry itself still reads, without a photo.
  const view = await api(`${baseUrl}/api/entries/${id}`);
  expect(view.status).toBe(200);
  expect(
    EntryViewSchema.parse(((await view.json()) as { entry: unknown }).entry).renditions,
  ).toEqual([]);
}

/** The master key from the data folder tries every blob left: none opens for this entry. */
function expectMasterKeyOpensNothing(
  vault: RawVault,
  blobs: readonly { where: string; bytes: Buffer }[],
  entryId: string,
): void {
  const purposes: RawPurpose[] = ["photo", "id_number", "full_name"];
  const opened: string[] = [];
  for (const b of blobs) {
    try {
      vault.unwrapDataKey(b.bytes, entryId);
      opened.push(`${b.where} unwraps as its data key`);
    } catch {
      // expected: nothing left is the entry's key
    }
    for (const purpose of purposes) {
      try {
        vault.openLegacy(b.bytes, rawDataAad(purpose, entryId));
        opened.push(`${b.where} opens as its ${purpose}`);
      } catch {
        // expected
      }
    }
  }
  expect(opened).toEqual([]);
}

describe("erasure on SQLite: a hex editor finds nothing of a revoked entry", () => {
  let dataDir: string;
  let baseUrl: string;
  let stop: () => Promise<void>;
  let db: Kysely<Database>;
  const logLines: string[] = [];

  beforeAll(async () => {
    dataDir = makeDataDir();
    const config = loadConfig({
      PORT: "0",
      HOST: "127.0.0.1",
      SIGNAGE_DATA_DIR: dataDir,
      SIGNAGE_REDACTION_WORKERS: "1",
    });
    // The server's own log at info, as an operator would keep it.
    const log = pino({ level: "info" }, { write: (line: string) => void logLines.push(line) });
    const server = await startServer(config, log, "test");
    baseUrl = `http://127.0.0.1:${server.port}`;
    db = server.store.db;
    stop = () => server.stop();
    await signInAdmin(baseUrl, setupTokenFromLog(logLines));
    await createDistrict(baseUrl, "dongcheng");
  }, 60_000);

  afterAll(async () => {
    await stop();
    removeDataDir(dataDir);
  });

  it("never answers or logs the full name or ID number, and leaves no byte of them after revoke", async () => {
    const photo = await demoPhoto(4);
    const fullName = "欧阳娜娜";
    const renamed = "欧阳丽丽";
    const idNumber = "110101199003071234";
    const input = buildEntryInput({ fullName, idNumber });
    const secrets = [
      ...textForms("the full name", fullName),
      ...textForms("the new full name", renamed),
      ...textForms("the ID number", idNumber),
      sliceOf("the raw photo", photo),
    ];
    const answers: { what: string; text: string }[] = [];
    const ask = async (what: string, path: string, init: RequestInit = {}): Promise<Response> => {
      const res = await api(`${baseUrl}${path}`, init);
      answers.push({ what, text: await res.clone().text() });
      return res;
    };
    const json = (body: unknown): RequestInit => ({
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

    const created = await createWithPhoto(baseUrl, input, photo);
    const id = created.id;
    answers.push({ what: "create", text: created.answer });
    // The same case again, and an ID number that is not one: error answers.
    const again = new FormData();
    again.set("entry", JSON.stringify(input));
    expect((await ask("duplicate", "/api/entries", { method: "POST", body: again })).status).toBe(
      409,
    );
    const bad = new FormData();
    bad.set("entry", JSON.stringify({ ...input, fullName: fullName.repeat(30), caseNumber: "x" }));
    expect((await ask("bad name", "/api/entries", { method: "POST", body: bad })).status).toBe(400);
    // An import: its per-row report (one row accepted, one refused) names neither.
    const imported = { name: "诸葛明明", id: "210202199001015678" };
    const refused = { name: "上官晶晶", id: "210202199202026789" };
    secrets.push(
      ...textForms("an imported name", imported.name),
      ...textForms("an imported ID number", imported.id),
      ...textForms("a refused name", refused.name),
      ...textForms("a refused ID number", refused.id),
    );
    const importForm = new FormData();
    importForm.set("kind", "discredited");
    importForm.set("districtIds", "dongcheng");
    importForm.set("expiryDate", "2029-12-31");
    const rows = [
      buildPersonRow({
        "被执行人姓名/名称": imported.name,
        "身份证号码/组织机构代码": imported.id,
        照片: "",
      }),
      buildPersonRow({
        "被执行人姓名/名称": refused.name,
        "身份证号码/组织机构代码": refused.id,
        立案时间: "2019-02-30",
        照片: "",
      }),
    ];
    importForm.set("file", new Blob([new Uint8Array(toCsv(rows))]), "export.csv");
    const report = await ask("import", "/api/imports", { method: "POST", body: importForm });
    expect(report.status).toBe(201);
    expect(await report.json()).toMatchObject({ report: { accepted: 1, refused: 1 } });
    expect((await waitForRedaction({ baseUrl } as TestServer, id)).renditions).toHaveLength(2);
    const renditions = await renditionsOf(baseUrl, id);

    expect((await ask("list", "/api/entries")).status).toBe(200);
    expect((await ask("search", `/api/entries?q=${encodeURIComponent("欧阳")}`)).status).toBe(200);
    expect((await ask("review queue", "/api/entries/review-queue")).status).toBe(200);
    const detail = await ask("detail", `/api/entries/${id}`);
    expect(detail.status).toBe(200);
    const shown = EntryViewSchema.parse(((await detail.json()) as { entry: unknown }).entry);
    expect(shown.maskedName).toBe("欧阳某");
    expect(shown.hasIdNumber).toBe(true);
    // An edit of the name is sealed too, and the mask follows it.
    const edited = await ask("edit", `/api/entries/${id}`, json({ fullName: renamed }));
    expect(edited.status).toBe(200);
    const subject = await ask("edit subject", `/api/entries/${id}`, json({ sex: "female" }));
    expect(subject.status).toBe(200);

    // Before the revoke the scan does see the entry's sealed form and renditions: the scan works.
    const sealed = await sealedSecretsOf(db, id);
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    expect(scanFolder(dataDir, sealed).length).toBeGreaterThan(0);
    expect(scanFolder(dataDir, renditions)).toHaveLength(renditions.length);

    answers.push({ what: "revoke", text: await revoke(baseUrl, id) });
    expect((await ask("raw photo", `/api/entries/${id}/raw-photo`)).status).toBe(410);
    expect((await ask("edit after", `/api/entries/${id}`, json({ obligation: "x" }))).status).toBe(
      409,
    );
    expect((await ask("audit", `/api/audit?entry=${id}`)).status).toBe(200);
    expect((await ask("audit export", "/api/audit/export")).status).toBe(200);

    // (c) No API answer and no log line holds the name or the number.
    const leaks = answers.flatMap((a) =>
      secrets
        .filter((s) => Buffer.from(a.text, "utf8").includes(s.bytes))
        .map((s) => `${s.what} in the ${a.what} answer`),
    );
    expect(leaks).toEqual([]);
    const log = logLines.join("");
    expect(log).toContain(`"entryId":"${id}"`);
    expect(
      secrets.filter((s) => Buffer.from(log, "utf8").includes(s.bytes)).map((s) => s.what),
    ).toEqual([]);

    // (a) After the revoke (and the checkpoint it runs), no file of the data folder holds the
    // name, the number, the photo, nor any sealed form of them or the key that opened them,
    // nor the redacted renditions (the photo's own pixels outside the faces).
    expect(filesUnder(dataDir).some((f) => f.endsWith("-wal"))).toBe(true);
    expect(scanFolder(dataDir, [...secrets, ...sealed, ...renditions])).toEqual([]);
    await expectRenditionsErased(db, baseUrl, id);

    // (d) The master key from the same folder opens nothing of the entry.
    expect(
      await db.selectFrom("entry_keys").selectAll().where("entry_id", "=", id).execute(),
    ).toEqual([]);
    expectMasterKeyOpensNothing(RawVault.open({ dataDir }), await sqliteBlobs(db), id);

    // (e) The fingerprint is gone; the masked name stays as the record.
    const record = await db
      .selectFrom("entries")
      .selectAll()
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(record).toMatchObject({
      state: "revoked",
      masked_name: "欧阳某",
      full_name_sealed: null,
      id_number_sealed: null,
      id_fingerprint: null,
    });
  }, 180_000);

  it("erases the legal representative's name, and never copies it into the audit log", async () => {
    const first = "司马长风";
    const second = "司马长云";
    const form = new FormData();
    form.set(
      "entry",
      JSON.stringify(
        buildEntryInput({
          subjectType: "organisation",
          fullName: "东城区长风建材有限公司",
          idNumber: undefined,
          legalRepresentative: first,
        }),
      ),
    );
    const res = await api(`${baseUrl}/api/entries`, { method: "POST", body: form });
    expect(res.status).toBe(201);
    const { id } = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
    const edit = await api(`${baseUrl}/api/entries/${id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ legalRepresentative: second }),
    });
    expect(edit.status).toBe(200);
    const names = [...textForms("the first name", first), ...textForms("the second", second)];
    // Before the revoke the folder holds the name (the row): the scan sees it.
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    expect(scanFolder(dataDir, names).length).toBeGreaterThan(0);
    const audit = await (await api(`${baseUrl}/api/audit?entry=${id}`)).text();
    expect(audit).toContain("legal_representative");
    expect(audit).not.toContain(first);
    expect(audit).not.toContain(second);

    await revoke(baseUrl, id);
    expect(scanFolder(dataDir, names)).toEqual([]);
    const record = await db
      .selectFrom("entries")
      .select(["legal_representative", "masked_name"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(record).toEqual({ legal_representative: null, masked_name: "东城区长风建材有限公司" });
  }, 120_000);

  it("erases the key, the sealed values and the fingerprint when an entry expires", async () => {
    const idNumber = "110101199205051111";
    const res = await api(`${baseUrl}/api/entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(buildEntryInput({ idNumber, expiryDate: "2027-03-01" })),
    });
    expect(res.status).toBe(201);
    const id = ((await res.json()) as { entry: { id: string } }).entry.id;
    const sealed = await sealedSecretsOf(db, id);

    const expiry = new EntryExpiry({
      db,
      log: pino({ level: "silent" }),
      now: () => new Date("2027-03-01T00:00:00Z"),
    });
    expect(await expiry.sweep()).toContain(id);

    const row = await db
      .selectFrom("entries")
      .select(["state", "full_name_sealed", "id_number_sealed", "id_fingerprint"])
      .where("id", "=", id)
      .executeTakeFirstOrThrow();
    expect(row).toEqual({
      state: "expired",
      full_name_sealed: null,
      id_number_sealed: null,
      id_fingerprint: null,
    });
    expect(
      await db.selectFrom("entry_keys").selectAll().where("entry_id", "=", id).execute(),
    ).toEqual([]);
    expect(scanFolder(dataDir, [...textForms("the ID number", idNumber), ...sealed])).toEqual([]);
  });

  it("erases the renditions and the redaction result when an entry with a photo expires", async () => {
    const input = buildEntryInput({
      fullName: "慕容晓晓",
      idNumber: "110101199306062222",
      expiryDate: "2027-04-01",
    });
    const { id } = await createWithPhoto(baseUrl, input, await demoPhoto(4));
    expect((await waitForRedaction({ baseUrl } as TestServer, id)).renditions).toHaveLength(2);
    const renditions = await renditionsOf(baseUrl, id);
    await sql`pragma wal_checkpoint(TRUNCATE)`.execute(db);
    expect(scanFolder(dataDir, renditions)).toHaveLength(renditions.length);

    const expiry = new EntryExpiry({
      db,
      log: pino({ level: "silent" }),
      now: () => new Date("2027-04-01T00:00:00Z"),
    });
    expect(await expiry.sweep()).toContain(id);

    await expectRenditionsErased(db, baseUrl, id);
    expect(scanFolder(dataDir, renditions)).toEqual([]);
  }, 120_000);
});

describe("erasure on PostgreSQL: the tables hold nothing of a revoked entry", () => {
  let database: TempDatabase;
  let t: TestServer;

  beforeAll(async () => {
    database = await createTempDatabase();
    t = await startTestServer({
      env: { DATABASE_URL: database.url, SIGNAGE_REDACTION_WORKERS: "1" },
    });
    await createDistrict(t.baseUrl, "dongcheng");
  }, 60_000);

  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
    await database.drop();
  });

  it("deletes the key, the sealed values and the fingerprint in the revoke's transaction", async () => {
    const photo = await demoPhoto(4);
    const fullName = "司马光明";
    const idNumber = "110101198807072222";
    const { id } = await createWithPhoto(t.baseUrl, buildEntryInput({ fullName, idNumber }), photo);
    const db = t.server.store.db;
    const sealed = await sealedSecretsOf(db, id);
    expect((await waitForRedaction(t, id)).renditions).toHaveLength(2);
    const secrets = [
      ...textForms("the full name", fullName),
      ...textForms("the ID number", idNumber),
      sliceOf("the raw photo", photo),
      ...sealed,
      ...(await renditionsOf(t.baseUrl, id)),
    ];
    const found = (values: { where: string; bytes: Buffer }[]) =>
      values.flatMap((v) =>
        secrets.filter((s) => v.bytes.includes(s.bytes)).map((s) => `${s.what} in ${v.where}`),
      );
    // The scan sees the sealed values while the entry is live.
    expect(found(await postgresTableBytes(db)).length).toBeGreaterThan(0);

    await revoke(t.baseUrl, id);

    const values = await postgresTableBytes(db);
    expect(found(values)).toEqual([]);
    await expectRenditionsErased(db, t.baseUrl, id);
    expectMasterKeyOpensNothing(
      RawVault.open({ dataDir: t.dataDir }),
      values.filter((v) => v.where !== "audit_log.details_json"),
      id,
    );
  }, 120_000);
});
