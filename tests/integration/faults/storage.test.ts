import { mkdirSync, readdirSync, rmSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { ApiErrorSchema, type ApiError } from "../../../shared/schemas/apiError";
import { ImportAnswerSchema } from "../../../shared/schemas/importReport";
import { buildCourtExportRows, toCsv } from "../../fixtures/courtExport";
import { hdPhoto } from "../../fixtures/images";
import { buildEntryInput } from "../../support/entryFactory";
import {
  fillDisk,
  makeReadOnly,
  mountSmallDisk,
  query,
  spawnServer,
  type ServerProcess,
  type SmallDisk,
} from "../../support/faultServer";
import { api, createDistrict, pairKiosk, syncKiosk } from "../../support/testServer";

const cleanups: (() => Promise<void> | void)[] = [];
afterEach(async () => {
  for (const c of cleanups.splice(0).reverse()) await c();
});

/** A server whose data folder is on a small disk of its own; ended and unmounted after the test. */
async function serveOnSmallDisk(): Promise<{ s: ServerProcess; disk: SmallDisk; dir: string }> {
  const disk = mountSmallDisk(32);
  cleanups.push(() => disk.remove());
  const dir = join(disk.dir, "data");
  mkdirSync(dir);
  const s = await spawnServer(dir);
  cleanups.push(() => s.kill());
  return { s, disk, dir };
}

/** The entry form the console sends: the entry as JSON and its photo. */
function entryForm(photo: Buffer): FormData {
  const form = new FormData();
  form.set("entry", JSON.stringify(buildEntryInput({ districtIds: ["da"] })));
  form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
  return form;
}

/** The import form: a court export of `rows` rows without photos, into district "da". */
function importForm(rows: number, seed: number): FormData {
  const form = new FormData();
  form.set("kind", "discredited");
  form.set("districtIds", "da");
  form.set("expiryDate", "2029-12-31");
  const csv = toCsv(buildCourtExportRows(rows, { seed }).map((r) => ({ ...r, 照片: "" })));
  form.set("file", new Blob([new Uint8Array(csv)]), "export.csv");
  return form;
}

/** Status and parsed error of a refused request. */
async function refusal(res: Response): Promise<{ status: number; error: ApiError["error"] }> {
  return { status: res.status, error: ApiErrorSchema.parse(await res.json()).error };
}

/** What a data folder holds, for "nothing half-written": the same files before and after. */
function filesOf(dir: string): string[] {
  return readdirSync(dir).sort();
}

const entryCount = (dir: string): number =>
  query<{ n: number }>(dir, "SELECT count(*) AS n FROM entries")[0]?.n ?? -1;

/** Reads that must keep working: health, the entry list, a screen's sync. */
async function expectReadsServed(
  s: ServerProcess,
  kiosk: Awaited<ReturnType<typeof pairKiosk>>,
  entries: number,
): Promise<void> {
  expect((await api(`${s.baseUrl}/healthz`)).status).toBe(200);
  const list = await api(`${s.baseUrl}/api/entries`);
  expect(list.status).toBe(200);
  expect(((await list.json()) as { entries: unknown[] }).entries).toHaveLength(entries);
  expect((await syncKiosk(kiosk.socket, 0)).full).toBe(true);
}

describe("a full disk under a running server", { timeout: 180_000 }, () => {
  it("refuses an upload and an import with 507 storage_full, half-writes nothing, keeps serving, and writes again once there is room", async () => {
    const { s, disk, dir } = await serveOnSmallDisk();
    await createDistrict(s.baseUrl, "da");
    const kiosk = await pairKiosk(s.baseUrl, "da");
    cleanups.push(() => void kiosk.socket.disconnect());
    const photo = await hdPhoto(2);
    expect(
      (await api(`${s.baseUrl}/api/entries`, { method: "POST", body: entryForm(photo) })).status,
    ).toBe(201);
    const before = filesOf(dir);
    const ballast = fillDisk(disk.dir);

    for (const attempt of [
      () => api(`${s.baseUrl}/api/entries`, { method: "POST", body: entryForm(photo) }),
      () => api(`${s.baseUrl}/api/imports`, { method: "POST", body: importForm(1000, 7) }),
    ]) {
      const { status, error } = await refusal(await attempt());
      expect({ status, code: error.code, reason: error.reason }).toEqual({
        status: 507,
        code: "storage_full",
        reason: "storage.full",
      });
      expect(error.message).toMatch(/disk is full/);
    }
    expect(entryCount(dir)).toBe(1);
    expect(filesOf(dir)).toEqual(before);
    expect(query(dir, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }]);
    await expectReadsServed(s, kiosk, 1);

    // Room again: the same server takes both, without a restart.
    rmSync(ballast);
    expect(
      (await api(`${s.baseUrl}/api/entries`, { method: "POST", body: entryForm(photo) })).status,
    ).toBe(201);
    const imported = await api(`${s.baseUrl}/api/imports`, {
      method: "POST",
      body: importForm(1000, 7),
    });
    expect(imported.status).toBe(201);
    expect(ImportAnswerSchema.parse(await imported.json()).report.accepted).toBe(1000);
    expect(entryCount(dir)).toBe(1002);
  });
});

describe("a read-only data folder under a running server", { timeout: 180_000 }, () => {
  it("refuses an upload and an import with 503 and a sentence, changes nothing, keeps serving reads", async () => {
    const { s, dir } = await serveOnSmallDisk();
    await createDistrict(s.baseUrl, "da");
    const kiosk = await pairKiosk(s.baseUrl, "da");
    cleanups.push(() => void kiosk.socket.disconnect());
    const photo = await hdPhoto(3);
    expect(
      (await api(`${s.baseUrl}/api/entries`, { method: "POST", body: entryForm(photo) })).status,
    ).toBe(201);
    const before = filesOf(dir);
    const readOnly = makeReadOnly(dir);
    cleanups.push(() => readOnly.undo());

    for (const attempt of [
      () => api(`${s.baseUrl}/api/entries`, { method: "POST", body: entryForm(photo) }),
      () => api(`${s.baseUrl}/api/imports`, { method: "POST", body: importForm(500, 9) }),
    ]) {
      const { status, error } = await refusal(await attempt());
      expect({ status, code: error.code, reason: error.reason }).toEqual({
        status: 503,
        code: "unavailable",
        reason: "storage.unwritable",
      });
    }
    await expectReadsServed(s, kiosk, 1);
    readOnly.undo();
    expect(entryCount(dir)).toBe(1);
    expect(filesOf(dir)).toEqual(before);
    expect(query(dir, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }]);
    expect(
      (await api(`${s.baseUrl}/api/entries`, { method: "POST", body: entryForm(photo) })).status,
    ).toBe(201);
  });
});
