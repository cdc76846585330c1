import { createHash, randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import type { ConsoleClientEvents, ConsoleServerEvents } from "../../../shared/protocol/events";
import { namespaces } from "../../../shared/protocol/namespaces";
import {
  ImportProgressEventSchema,
  type ImportProgressEvent,
} from "../../../shared/schemas/importProgress";
import { EntryViewSchema, type EntryView } from "../../../shared/schemas/entryView";
import { ImportAnswerSchema } from "../../../shared/schemas/importReport";
import { buildCourtExportRows, toCsv } from "../../fixtures/courtExport";
import { portraitPhoto } from "../../fixtures/images";
import { buildEntryInput } from "../../support/entryFactory";
import { query, spawnServer, type ServerProcess } from "../../support/faultServer";
import { createUser, type TestUser } from "../../support/principals";
import {
  adminSessionValue,
  api,
  connectKiosk,
  createDistrict,
  makeDataDir,
  namespaceUrl,
  pairKiosk,
  removeDataDir,
  syncKiosk,
} from "../../support/testServer";

type ConsoleSocket = Socket<ConsoleServerEvents, ConsoleClientEvents>;

const dirs: string[] = [];
const running: ServerProcess[] = [];
afterAll(async () => {
  for (const s of running.splice(0)) await s.kill();
  for (const d of dirs.splice(0)) removeDataDir(d);
});

/** Starts a server process on `dataDir` (a fresh folder unless given) and remembers to end it. */
async function serve(dataDir?: string): Promise<ServerProcess> {
  const dir = dataDir ?? makeDataDir();
  if (!dataDir) dirs.push(dir);
  const s = await spawnServer(dir);
  running.push(s);
  return s;
}

/** The admin's console socket, as the browser opens it (session cookie, this server's Origin). */
async function consoleSocket(s: ServerProcess): Promise<ConsoleSocket> {
  const socket: ConsoleSocket = io(namespaceUrl(s.baseUrl, namespaces.console), {
    transports: ["websocket"],
    forceNew: true,
    reconnection: false,
    extraHeaders: {
      Cookie: `signage_session=${adminSessionValue(s.baseUrl)}`,
      Origin: s.baseUrl,
    },
  });
  await new Promise<void>((resolve, reject) => {
    socket.once("connect", () => resolve());
    socket.once("connect_error", reject);
  });
  return socket;
}

/** The import form the console sends: a court export as CSV, its progress sent to `progressId`. */
function importForm(csv: Buffer, progressId: string): FormData {
  const form = new FormData();
  form.set("kind", "discredited");
  form.set("districtIds", "da");
  form.set("expiryDate", "2029-12-31");
  form.set("progressId", progressId);
  form.set("file", new Blob([new Uint8Array(csv)]), "export.csv");
  return form;
}

describe("SIGKILL during a bulk import", { timeout: 180_000 }, () => {
  it("leaves none of the batch's rows after a restart, and the import can run again", async () => {
    const rows = 3000;
    // Without photos: the rows alone make the batch, and no redaction starts meanwhile.
    const csv = toCsv(buildCourtExportRows(rows, { seed: 18 }).map((r) => ({ ...r, 照片: "" })));
    const first = await serve();
    await createDistrict(first.baseUrl, "da");
    const socket = await consoleSocket(first);
    const seen: ImportProgressEvent[] = [];
    // Killed the moment the console hears the rows are being written: the batch is half saved.
    const killedWhileSaving = new Promise<ImportProgressEvent>((resolve) => {
      socket.on("import:progress", (e) => {
        const event = ImportProgressEventSchema.parse(e);
        seen.push(event);
        if (event.phase === "saving" && event.done > 0) {
          void first.kill().then(() => resolve(event));
        }
      });
    });
    const progressId = randomUUID();
    const answer = api(`${first.baseUrl}/api/imports`, {
      method: "POST",
      body: importForm(csv, progressId),
    }).then(
      (res) => `answered ${String(res.status)}`,
      () => "no answer",
    );
    const killedAt = await killedWhileSaving;
    socket.disconnect();
    expect(killedAt.done).toBeLessThan(killedAt.total);
    expect(await answer).toBe("no answer");
    expect(seen.some((e) => e.phase === "done")).toBe(false);

    // Restarted on the same data folder: none of the batch, no batch record, no audit record.
    const second = await serve(first.dataDir);
    const dir = first.dataDir;
    expect(count(dir, "entries")).toBe(0);
    expect(count(dir, "entry_districts")).toBe(0);
    expect(count(dir, "entry_keys")).toBe(0);
    expect(count(dir, "import_batches")).toBe(0);
    expect(count(dir, "audit_log", "action = 'entry.imported'")).toBe(0);
    expect(query(first.dataDir, "PRAGMA integrity_check")).toEqual([{ integrity_check: "ok" }]);

    // The import slot is free again: the same export is taken whole, and all of it is stored.
    const again = await api(`${second.baseUrl}/api/imports`, {
      method: "POST",
      body: importForm(csv, randomUUID()),
    });
    expect(again.status).toBe(201);
    const { report } = ImportAnswerSchema.parse(await again.json());
    expect(report).toMatchObject({ total: rows, accepted: rows, refused: 0 });
    expect(count(dir, "entries", "source LIKE 'import:%'")).toBe(rows);
    expect(count(dir, "import_batches")).toBe(1);
  });
});

/** How many rows of `table` match `where` in a data folder's database. */
function count(dataDir: string, table: string, where = "1 = 1", ...params: unknown[]): number {
  return (
    query<{ n: number }>(dataDir, `SELECT count(*) AS n FROM ${table} WHERE ${where}`, ...params)[0]
      ?.n ?? -1
  );
}

/** Creates an entry in district "da" as the default admin, with a photo when given. */
async function createEntry(s: ServerProcess, photo?: Buffer): Promise<EntryView> {
  const input = buildEntryInput({ districtIds: ["da"] });
  let res: Response;
  if (photo) {
    const form = new FormData();
    form.set("entry", JSON.stringify(input));
    form.set("photo", new Blob([new Uint8Array(photo)]), "photo.jpg");
    res = await api(`${s.baseUrl}/api/entries`, { method: "POST", body: form });
  } else {
    res = await api(`${s.baseUrl}/api/entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(input),
    });
  }
  expect(res.status).toBe(201);
  return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
}

describe("SIGKILL during redaction jobs", { timeout: 300_000 }, () => {
  it("runs every job to exactly one result after a restart, and publishes only verified renditions", async () => {
    const first = await serve();
    await createDistrict(first.baseUrl, "da");
    const moderator = await createUser(first.baseUrl, "moderator", [
      { role: "moderator", scope: "da" },
    ]);
    const photos = await Promise.all([1, 2, 3].map((n) => portraitPhoto(n)));
    const entries: EntryView[] = [];
    for (const photo of photos) entries.push(await createEntry(first, photo));
    const dir = first.dataDir;
    const jobs = (state: string): number => count(dir, "redaction_jobs", "state = ?", state);

    // Killed with a job finished and the next ones claimed: some done, some mid-way, some queued.
    await expect
      .poll(() => jobs("done") >= 1 && jobs("running") >= 1, { timeout: 120_000, interval: 20 })
      .toBe(true);
    await first.kill();
    expect(jobs("done")).toBeLessThan(entries.length);

    const second = await serve(dir);
    await expect
      .poll(() => count(dir, "entries", "redaction_status IN ('queued', 'processing')"), {
        timeout: 150_000,
        interval: 250,
      })
      .toBe(0);
    for (const entry of entries) {
      const where = ["entry_id = ?", entry.id] as const;
      // One job, done (not lost, not failed for being cut off), and one result: never two.
      expect(count(dir, "redaction_jobs", "entry_id = ? AND state = 'done'", entry.id)).toBe(1);
      expect(count(dir, "redaction_jobs", ...where)).toBe(1);
      expect(count(dir, "redaction_results", ...where)).toBe(1);
      expect(count(dir, "audit_log", "action = 'entry.redacted' AND target_id = ?", entry.id)).toBe(
        1,
      );
      const [result] = query<{ verdict: string; status: string }>(
        dir,
        `SELECT r.verdict, e.redaction_status AS status FROM redaction_results r
           JOIN entries e ON e.id = r.entry_id WHERE r.entry_id = ?`,
        entry.id,
      );
      const renditions = query<{ hash: string; bytes: Buffer; variant: string }>(
        dir,
        "SELECT hash, bytes, variant FROM renditions WHERE entry_id = ?",
        entry.id,
      );
      if (result?.verdict === "publishable") {
        expect(result.status).toBe("done");
        expect(renditions.map((r) => r.variant).sort()).toEqual(["display", "thumb"]);
        // Each rendition is whole: its bytes are what its content hash names.
        for (const r of renditions)
          expect(createHash("sha256").update(r.bytes).digest("hex")).toBe(r.hash);
      } else {
        expect(result?.status).toBe("needs_review");
        expect(renditions).toEqual([]);
      }
    }

    // Approval publishes only what has a verified rendition; the rest is refused.
    for (const entry of entries) {
      const read = await moderator.fetch(`${second.baseUrl}/api/entries/${entry.id}`);
      const now = EntryViewSchema.parse(((await read.json()) as { entry: unknown }).entry);
      const res = await moderator.post(`${second.baseUrl}/api/entries/${entry.id}/approve`, {
        revision: now.revision,
      });
      expect(res.status).toBe(now.redactionStatus === "done" ? 200 : 409);
    }
    expect(
      count(
        dir,
        "entries e",
        `e.state = 'approved' AND NOT EXISTS (SELECT 1 FROM redaction_results r
           WHERE r.entry_id = e.id AND r.verdict = 'publishable')`,
      ),
    ).toBe(0);
    expect(
      count(
        dir,
        "entries e",
        `e.state = 'approved' AND NOT EXISTS (SELECT 1 FROM renditions r
           WHERE r.entry_id = e.id AND r.variant = 'display')`,
      ),
    ).toBe(0);
    expect(count(dir, "entries", "state = 'approved'")).toBeGreaterThan(0);
  });
});

describe("SIGKILL during approvals and takedowns", { timeout: 180_000 }, () => {
  /** Approvals and revocations whose answers arrive before the kill, by entry id. */
  type Answers = Map<string, number>;

  it("keeps each approval whole or absent, and every takedown reaches every screen after a restart", async () => {
    const first = await serve();
    const dir = first.dataDir;
    await createDistrict(first.baseUrl, "da");
    const moderator: TestUser = await createUser(first.baseUrl, "moderator", [
      { role: "moderator", scope: "da" },
    ]);
    const approve = (s: ServerProcess, e: EntryView): Promise<Response> =>
      moderator.post(`${s.baseUrl}/api/entries/${e.id}/approve`, { revision: e.revision });
    const shown: EntryView[] = [];
    for (let i = 0; i < 6; i += 1) shown.push(await createEntry(first));
    for (const e of shown) expect((await approve(first, e)).status).toBe(200);
    const waiting: EntryView[] = [];
    for (let i = 0; i < 6; i += 1) waiting.push(await createEntry(first));

    // Two screens: one connected and synced, one paired but switched off since.
    const online = await pairKiosk(first.baseUrl, "da", "在线屏");
    const offline = await pairKiosk(first.baseUrl, "da", "离线屏");
    offline.socket.disconnect();
    const before = await syncKiosk(online.socket, 0);
    expect(before.entries.map((e) => e.id).sort()).toEqual(shown.map((e) => e.id).sort());

    // Takedowns and approvals at once; the server is killed as the first answer comes back.
    const answers: Answers = new Map();
    let killed: Promise<void> | undefined;
    const ask = (e: EntryView, request: () => Promise<Response>): Promise<void> =>
      request().then(
        (res) => {
          if (!killed) {
            answers.set(e.id, res.status);
            killed = first.kill();
          }
        },
        () => undefined,
      );
    const revoke = (e: EntryView): Promise<Response> =>
      moderator.post(`${first.baseUrl}/api/entries/${e.id}/revoke`, { reason: "court_order" });
    await Promise.all([
      ...shown.map((e) => ask(e, () => revoke(e))),
      ...waiting.map((e) => ask(e, () => approve(first, e))),
    ]);
    await killed;
    online.socket.disconnect();
    expect([...answers.values()]).toEqual([200]);

    const second = await serve(dir);
    const state = (id: string): string | undefined =>
      query<{ state: string }>(dir, "SELECT state FROM entries WHERE id = ?", id)[0]?.state;
    const logged = (id: string, kind: string): number =>
      count(dir, "change_log", "entity_id = ? AND kind = ?", id, kind);
    const audited = (id: string, action: string): number =>
      count(dir, "audit_log", "target_id = ? AND action = ?", id, action);

    // An approval is all there (state, version, change log, both audit records) or not at all.
    for (const e of waiting) {
      const approved = state(e.id) === "approved";
      if (answers.has(e.id)) expect(approved).toBe(true);
      const n = approved ? 1 : 0;
      expect(logged(e.id, "entry.published")).toBe(n);
      expect(audited(e.id, "entry.approved")).toBe(n);
      expect(audited(e.id, "entry.published")).toBe(n);
      const [row] = query<{ v: number | null }>(
        dir,
        "SELECT published_version AS v FROM entries WHERE id = ?",
        e.id,
      );
      expect(row?.v !== null && row?.v !== undefined).toBe(approved);
      if (!approved) expect(state(e.id)).toBe("pending_review");
    }
    // A takedown likewise; one that was answered is certainly there.
    const revoked = shown.filter((e) => state(e.id) === "revoked").map((e) => e.id);
    for (const e of shown) {
      if (answers.has(e.id)) expect(revoked).toContain(e.id);
      const n = revoked.includes(e.id) ? 1 : 0;
      expect(logged(e.id, "entry.revoked")).toBe(n);
      expect(audited(e.id, "entry.revoked")).toBe(n);
      if (n === 0) expect(state(e.id)).toBe("approved");
    }
    const published = waiting.filter((e) => state(e.id) === "approved").map((e) => e.id);
    const stillShown = shown.map((e) => e.id).filter((id) => !revoked.includes(id));
    expect(revoked.length + published.length).toBeGreaterThan(0);

    // The screen that was online catches up from where it was: every takedown is in its delta.
    const back = await connectKiosk(second.baseUrl, online.token);
    const delta = await syncKiosk(back, before.version);
    back.disconnect();
    expect(delta.removedIds).toEqual(expect.arrayContaining(revoked));
    const afterDelta = new Set(before.entries.map((e) => e.id));
    for (const id of delta.removedIds) afterDelta.delete(id);
    for (const e of delta.entries) afterDelta.add(e.id);
    expect([...afterDelta].sort()).toEqual([...stillShown, ...published].sort());

    // The screen that was off gets the whole manifest: nothing revoked in it.
    const woken = await connectKiosk(second.baseUrl, offline.token);
    const full = await syncKiosk(woken, 0);
    woken.disconnect();
    expect(full.entries.map((e) => e.id).sort()).toEqual([...stillShown, ...published].sort());
  });
});
