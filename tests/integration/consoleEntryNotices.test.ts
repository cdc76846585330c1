import { io, type Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import type { ConsoleClientEvents, ConsoleServerEvents } from "../../shared/protocol/events";
import { namespaces } from "../../shared/protocol/namespaces";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import { ImportAnswerSchema } from "../../shared/schemas/importReport";
import { buildCourtExportRows, toCsv } from "../fixtures/courtExport";
import { singleFacePortrait } from "../fixtures/singleFace";
import { createEntryWithPhoto } from "../support/entryPublishing";
import { buildEntryInput } from "../support/entryFactory";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  namespaceUrl,
  useTestServer,
  waitForRedaction,
} from "../support/testServer";

type ConsoleSocket = Socket<ConsoleServerEvents, ConsoleClientEvents>;

/** The "entries" notices one open console has heard. */
interface EntriesHeard {
  /** How many so far. */
  count(): number;
  /** Resolves at the next notice; fails when none comes within ten seconds. */
  next(): Promise<void>;
  /**
   * Resolves once no notice has come for longer than the notifier's one-second window, so a
   * notice folded into the end of a window before this point is not taken for a later change's.
   */
  quiet(): Promise<void>;
}

// Issue 19 item 4: a new entry without a photo, a rejection and another moderator's regions
// changed what the entries list and the review queue show, but open consoles were not told.
describe("open consoles hear of every entry change, not only publications and redactions", () => {
  let operator: TestUser;
  let watcher: TestUser;
  let reviewer: TestUser;
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } }, async (t) => {
    await createDistrict(t.baseUrl, "da");
    operator = await createUser(t.baseUrl, "Operator", [{ role: "operator", scope: "da" }]);
    watcher = await createUser(t.baseUrl, "Watcher", [{ role: "moderator", scope: "da" }]);
    reviewer = await createUser(t.baseUrl, "Reviewer", [{ role: "moderator", scope: "da" }]);
  });
  const sockets: ConsoleSocket[] = [];
  afterAll(() => {
    for (const s of sockets) s.disconnect();
  });

  /** The review queue of a moderator, open in a browser: its console socket. */
  async function openConsole(user: TestUser): Promise<EntriesHeard> {
    const origin = server().baseUrl;
    const s: ConsoleSocket = io(namespaceUrl(origin, namespaces.console), {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      extraHeaders: { Cookie: user.cookie, Origin: origin },
    });
    sockets.push(s);
    await new Promise<void>((resolve, reject) => {
      s.once("connect", () => resolve());
      s.once("connect_error", reject);
    });
    let count = 0;
    let last = Date.now();
    let waiting: (() => void)[] = [];
    s.on("console:changed", (e) => {
      if (e.topic !== "entries") return;
      count += 1;
      last = Date.now();
      for (const w of waiting) w();
      waiting = [];
    });
    return {
      count: () => count,
      next: () =>
        new Promise((resolve, reject) => {
          const timer = setTimeout(
            () => reject(new Error('no "entries" notice reached the open console')),
            10_000,
          );
          waiting.push(() => {
            clearTimeout(timer);
            resolve();
          });
        }),
      quiet: async () => {
        while (Date.now() - last < 1_500) await new Promise((r) => setTimeout(r, 250));
      },
    };
  }

  /** Creates an entry without a photo as the operator, in district "da". */
  async function createWithoutPhoto(): Promise<EntryView> {
    const res = await operator.post(
      `${server().baseUrl}/api/entries`,
      buildEntryInput({ districtIds: ["da"] }),
    );
    expect(res.status).toBe(201);
    return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
  }

  /** Reads an entry as the default admin. */
  async function read(id: string): Promise<EntryView> {
    const res = await api(`${server().baseUrl}/api/entries/${id}`);
    expect(res.status).toBe(200);
    return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
  }

  it("a new entry without a photo", async () => {
    const heard = await openConsole(watcher);
    await heard.quiet();
    const notice = heard.next();
    const entry = await createWithoutPhoto();
    await notice;
    expect(heard.count()).toBe(1);
    expect(entry.redactionStatus).toBe("none");
  });

  it("a rejection by another moderator", async () => {
    const heard = await openConsole(watcher);
    const entry = await createWithoutPhoto();
    await heard.quiet();
    const before = heard.count();
    const notice = heard.next();
    const res = await reviewer.post(`${server().baseUrl}/api/entries/${entry.id}/reject`, {
      reason: "The case number does not match the court's record.",
    });
    expect(res.status).toBe(200);
    await notice;
    expect(heard.count()).toBeGreaterThan(before);
    expect((await read(entry.id)).state).toBe("rejected");
  });

  it("an operator's edit of an entry in review", async () => {
    const heard = await openConsole(watcher);
    const entry = await createWithoutPhoto();
    await heard.quiet();
    const notice = heard.next();
    const res = await operator.fetch(`${server().baseUrl}/api/entries/${entry.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ obligation: "给付货款 32,000 元" }),
    });
    expect(res.status).toBe(200);
    await notice;
    expect((await read(entry.id)).revision).toBe(entry.revision + 1);
  });

  it("another moderator's regions, at once: before the new redaction settles", async () => {
    const t = server();
    const heard = await openConsole(watcher);
    const entry = await createEntryWithPhoto(t, await singleFacePortrait(), {});
    await waitForRedaction(t, entry.id, 200_000);
    await heard.quiet();
    const notice = heard.next();
    const res = await reviewer.fetch(`${t.baseUrl}/api/entries/${entry.id}/regions`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ regions: [{ x: 0.1, y: 0.1, width: 0.2, height: 0.2 }] }),
    });
    expect(res.status).toBe(200);
    await notice;
    // The notice is the edit's own, not the redaction's end a worker reports later: the review
    // queue shows at once that the photo is being redacted again and who changed it last.
    const now = await read(entry.id);
    expect(["queued", "processing"]).toContain(now.redactionStatus);
    expect(now.submittedBy).toBe(reviewer.id);
    // Let the redaction end before the server stops.
    await waitForRedaction(t, entry.id, 200_000);
  }, 420_000);

  it("an import through the console, once for the whole batch rather than once per entry", async () => {
    const heard = await openConsole(watcher);
    await heard.quiet();
    const before = heard.count();
    const notice = heard.next();
    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", "da");
    form.set("expiryDate", "2029-12-31");
    const rows = buildCourtExportRows(5, { seed: 47 }).map((r) => ({ ...r, 照片: "" }));
    form.set("file", new Blob([new Uint8Array(toCsv(rows))]), "export.csv");
    const res = await operator.fetch(`${server().baseUrl}/api/imports`, {
      method: "POST",
      body: form,
    });
    expect(res.status).toBe(201);
    const { report } = ImportAnswerSchema.parse(await res.json());
    expect(report).toMatchObject({ accepted: 5, refused: 0 });
    await notice;
    // A notice per entry would be two: the first at once, the others folded into one at the
    // end of the notifier's window.
    await heard.quiet();
    expect(heard.count() - before).toBe(1);
  });

  it("a revoke of an entry still in review leaves the review queues", async () => {
    const heard = await openConsole(watcher);
    const entry = await createWithoutPhoto();
    await heard.quiet();
    const notice = heard.next();
    const res = await api(`${server().baseUrl}/api/entries/${entry.id}/revoke`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ reason: "court_order" }),
    });
    expect(res.status).toBe(200);
    await notice;
    expect((await read(entry.id)).state).toBe("revoked");
  });
});
