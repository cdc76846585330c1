import { randomBytes } from "node:crypto";
import { readdirSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import pino from "pino";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import {
  ObjectionDetailSchema,
  ObjectionListSchema,
  ObjectionReceiptSchema,
  ObjectionStatusSchema,
} from "../../shared/schemas/objection";
import { RetentionSweep } from "../../server/services/RetentionSweep";
import { checkpointWal } from "../../server/store/database";
import { silhouettePortrait } from "../fixtures/images";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { wordError } from "../../shared/messages/errorMessages";
import { createTempDatabase, type TempDatabase } from "../support/postgres";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  syncKiosk,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

const CITY = "ob-city";
const A = "ob-a";
const B = "ob-b";

/** What a fictional objector types: a name, a contact and a text that must never leak. */
const OBJECTOR = {
  name: "慕容秋水",
  contact: "qiushui.murong@example.test",
  text: "本人已于上月全部履行判决义务，法院出具的结案证明编号为 JX-7741-QS，请予更正。",
};

let addressSeq = 0;
/** A fresh client address (the server trusts the loopback proxy's X-Forwarded-For). */
function freshAddress(): string {
  addressSeq += 1;
  return `10.77.${Math.floor(addressSeq / 250)}.${(addressSeq % 250) + 1}`;
}

interface FileOptions {
  address?: string;
  /** JSON answer (Accept: application/json). */
  json?: boolean;
  document?: { bytes: Buffer; name: string };
  /** The Origin header; null sends none. */
  origin?: string | null;
  lang?: "zh" | "en";
}

/** Files an objection the way the page's form does (multipart), from one client address. */
function file(
  t: TestServer,
  publicId: string,
  fields: Record<string, string>,
  opts: FileOptions = {},
): Promise<Response> {
  const form = new FormData();
  for (const [k, v] of Object.entries(fields)) form.set(k, v);
  form.set(
    "document",
    opts.document ? new Blob([new Uint8Array(opts.document.bytes)]) : new Blob([]),
    opts.document?.name ?? "",
  );
  const headers = new Headers({ "X-Forwarded-For": opts.address ?? freshAddress() });
  if (opts.json) headers.set("Accept", "application/json");
  if (opts.origin !== null) headers.set("Origin", opts.origin ?? t.baseUrl);
  if (opts.lang) headers.set("Accept-Language", opts.lang);
  return fetch(`${t.baseUrl}/n/${publicId}/objections`, { method: "POST", headers, body: form });
}

/** A complete, valid filing. */
const valid = (over: Record<string, string> = {}): Record<string, string> => ({
  ...OBJECTOR,
  consent: "yes",
  website: "",
  ...over,
});

/** A public page (no session). */
function page(t: TestServer, path: string, lang: "zh" | "en" = "zh"): Promise<Response> {
  return fetch(`${t.baseUrl}${path}`, { headers: { "Accept-Language": lang } });
}

/** How many objection rows the database holds. */
async function storedCount(t: TestServer): Promise<number> {
  const rows = await t.server.store.db.selectFrom("objections").select("id").execute();
  return rows.length;
}

/** Every file under `dir`, recursively. */
function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/** The whole flow, on the embedded SQLite database and on PostgreSQL. */
function objectionSuite(kind: "sqlite" | "postgres"): void {
  describe(`objections (${kind}): filed on the public page, sealed, decided in the console, erased`, () => {
    let running: TestServer | undefined;
    let pg: TempDatabase | undefined;
    const server = (): TestServer => {
      if (!running) throw new Error("the test server has not started");
      return running;
    };
    let moderatorA: TestUser;
    let moderatorB: TestUser;

    afterAll(async () => {
      await running?.stop();
      if (running) removeDataDir(running.dataDir);
      await pg?.drop();
    });

    beforeAll(async () => {
      if (kind === "postgres") pg = await createTempDatabase();
      running = await startTestServer({
        env: { SIGNAGE_TRUST_PROXY: "loopback", ...(pg ? { DATABASE_URL: pg.url } : {}) },
      });
      await createDistrict(running.baseUrl, CITY);
      await createDistrict(running.baseUrl, A, CITY);
      await createDistrict(running.baseUrl, B, CITY);
      moderatorA = await createUser(server().baseUrl, "ob-moderator-a", [
        { role: "moderator", scope: A },
      ]);
      moderatorB = await createUser(server().baseUrl, "ob-moderator-b", [
        { role: "moderator", scope: B },
      ]);
    });

    /** An entry of district A, created by the admin and approved by moderator A: on the screens. */
    async function publish(over: Parameters<typeof buildEntryInput>[0] = {}): Promise<EntryView> {
      const t = server();
      const res = await api(`${t.baseUrl}/api/entries`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify(buildEntryInput({ districtIds: [A], ...over })),
      });
      expect(res.status).toBe(201);
      const entry = EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
      expect((await approveAsSeen(t.baseUrl, moderatorA, entry.id)).status).toBe(200);
      return entry;
    }

    /** Files a valid objection and returns its receipt. */
    async function fileOne(entry: EntryView, over: Record<string, string> = {}) {
      const res = await file(server(), entry.publicId, valid(over), { json: true });
      expect(res.status).toBe(201);
      return ObjectionReceiptSchema.parse(((await res.json()) as { objection: unknown }).objection);
    }

    /** Moderator A's queue, or another caller's. */
    async function queue(who: TestUser = moderatorA, query = "") {
      const res = await who.fetch(`${server().baseUrl}/api/objections${query}`);
      expect(res.status).toBe(200);
      return ObjectionListSchema.parse(await res.json()).objections;
    }

    async function idOf(reference: string): Promise<string> {
      const found = (await queue()).find((o) => o.reference === reference);
      if (!found) throw new Error(`${reference} is not in moderator A's queue`);
      return found.id;
    }

    it("files an objection from the page's form, answers its reference, and the status page shows the state and nothing of the objector", async () => {
      const t = server();
      const entry = await publish({ fullName: "上官婉清", idNumber: "110101199205053344" });
      const notice = await (await page(t, `/n/${entry.publicId}`)).text();
      // The form is on the page, served under its strict policy, with no script.
      expect(notice).toContain(`action="/n/${entry.publicId}/objections?lang=zh"`);
      expect(notice).toContain('name="website"');
      expect(notice).not.toContain("<script");
      for (const leak of ["上官婉清", "婉清", "110101199205053344", "199205"])
        expect(notice).not.toContain(leak);

      const before = await storedCount(t);
      const res = await file(t, entry.publicId, valid(), { lang: "en" });
      expect(res.status).toBe(201);
      const html = await res.text();
      const reference = /data-reference>(OBJ-[A-Z2-7]{10})</.exec(html)?.[1];
      expect(reference).toBeDefined();
      expect(html).toContain("Your objection was received");
      expect(await storedCount(t)).toBe(before + 1);
      for (const leak of [OBJECTOR.name, OBJECTOR.contact, "JX-7741-QS"])
        expect(html).not.toContain(leak);

      const status = await page(t, `/n/${entry.publicId}/objections/${reference ?? ""}`, "en");
      expect(status.status).toBe(200);
      const statusHtml = await status.text();
      expect(statusHtml).toContain(`Your objection of`);
      expect(statusHtml).toContain("Received; a moderator will review it.");
      for (const leak of [
        OBJECTOR.name,
        OBJECTOR.contact,
        "JX-7741-QS",
        "上官婉清",
        "110101199205053344",
      ])
        expect(statusHtml).not.toContain(leak);
      expect(status.headers.get("content-security-policy")).toContain("default-src 'none'");
      // The same status as JSON, and by the form asking for the reference (lower case typed).
      const json = await fetch(`${t.baseUrl}/n/${entry.publicId}/objections/${reference ?? ""}`, {
        headers: { Accept: "application/json" },
      });
      expect(
        ObjectionStatusSchema.parse(((await json.json()) as { objection: unknown }).objection),
      ).toMatchObject({
        reference,
        state: "received",
        reason: null,
      });
      const lookup = await fetch(
        `${t.baseUrl}/n/${entry.publicId}/objections?reference=${(reference ?? "").toLowerCase()}&lang=en`,
        { redirect: "manual" },
      );
      expect(lookup.status).toBe(303);
      expect(lookup.headers.get("location")).toBe(
        `/n/${entry.publicId}/objections/${reference ?? ""}?lang=en`,
      );

      // The moderator of the entry's district sees it in the queue and opens it (audited).
      const listed = (await queue()).find((o) => o.reference === reference);
      expect(listed).toMatchObject({ state: "received", entryId: entry.id, districtIds: [A] });
      expect(JSON.stringify(listed)).not.toContain(OBJECTOR.name);
      const opened = await moderatorA.fetch(`${t.baseUrl}/api/objections/${listed?.id ?? ""}`);
      expect(opened.status).toBe(200);
      const detail = ObjectionDetailSchema.parse(await opened.json());
      expect(detail.sealed).toEqual({ ...OBJECTOR, document: null });
      const audit = async (action: string) =>
        (
          (await (await api(`${t.baseUrl}/api/audit?action=${action}`)).json()) as {
            records: { target: { id: string } | null; details: unknown; actor: { type: string } }[];
          }
        ).records.filter((r) => r.target?.id === listed?.id);
      expect(await audit("objection.viewed")).toHaveLength(1);
      const [filed] = await audit("objection.filed");
      expect(filed?.actor.type).toBe("anonymous");
      expect(JSON.stringify(filed)).not.toContain(OBJECTOR.name);
      expect(JSON.stringify(filed)).not.toContain(OBJECTOR.contact);
    });

    it("refuses bad input with a sentence in the page's language and stores nothing", async () => {
      const t = server();
      const entry = await publish();
      const before = await storedCount(t);

      // A form without the consent box comes back with the fields as typed and the reason.
      const noConsent = await file(t, entry.publicId, valid({ consent: "" }), { lang: "zh" });
      expect(noConsent.status).toBe(400);
      const back = await noConsent.text();
      expect(back).toContain("请勾选同意后再提交。");
      expect(back).toContain('aria-invalid="true"');
      expect(back).toContain(`value="${OBJECTOR.contact}"`);
      // As JSON: the code and the field.
      const tooLong = await file(t, entry.publicId, valid({ text: "错".repeat(2001) }), {
        json: true,
      });
      expect(tooLong.status).toBe(400);
      expect(await tooLong.json()).toMatchObject({
        error: { code: "validation_failed", issues: [{ path: "text" }] },
      });
      const badContact = await file(t, entry.publicId, valid({ contact: "tomorrow" }), {
        json: true,
      });
      expect(badContact.status).toBe(400);

      // From another site, or with no origin at all: refused (CSRF).
      const forged = await file(t, entry.publicId, valid(), {
        origin: "https://evil.example",
        json: true,
      });
      expect(forged.status).toBe(403);
      expect(((await forged.json()) as { error: { code: string } }).error.code).toBe("forbidden");
      expect((await file(t, entry.publicId, valid(), { origin: null })).status).toBe(403);

      // Documents are checked by content: a text file named .jpg, an SVG, a broken PDF, a 6 MB file.
      const refusedDocument = async (bytes: Buffer, name: string, status: number) => {
        const res = await file(t, entry.publicId, valid(), {
          document: { bytes, name },
          lang: "en",
        });
        expect([name, res.status]).toEqual([name, status]);
        return res.text();
      };
      expect(await refusedDocument(Buffer.from("not a photo at all"), "proof.jpg", 400)).toContain(
        "Attach a photo (JPEG, PNG or WebP) or a PDF.",
      );
      await refusedDocument(
        Buffer.from('<svg xmlns="http://www.w3.org/2000/svg"><script>x()</script></svg>'),
        "p.svg",
        400,
      );
      await refusedDocument(Buffer.from("%PDF-1.7\n1 0 obj\n"), "cut.pdf", 400);
      const huge = await file(t, entry.publicId, valid(), {
        document: {
          bytes: Buffer.concat([Buffer.from("%PDF-1.4\n"), randomBytes(6 * 1024 * 1024)]),
          name: "big.pdf",
        },
        json: true,
      });
      expect(huge.status).toBe(413);
      expect(await storedCount(t)).toBe(before);
    });

    it("takes a photo or a PDF as a document, sealed, and gives it back only to the moderator", async () => {
      const t = server();
      const entry = await publish();
      const photo = await silhouettePortrait(120);
      const pdf = Buffer.from("%PDF-1.4\n1 0 obj << >> endobj\ntrailer << >>\n%%EOF\n");
      for (const [bytes, name, mime] of [
        [photo, "receipt.jpg", "image/jpeg"],
        [pdf, "court-letter.pdf", "application/pdf"],
      ] as const) {
        const res = await file(t, entry.publicId, valid(), {
          document: { bytes, name },
          json: true,
        });
        expect(res.status).toBe(201);
        const { reference } = ObjectionReceiptSchema.parse(
          ((await res.json()) as { objection: unknown }).objection,
        );
        const id = await idOf(reference);
        const doc = await moderatorA.fetch(`${t.baseUrl}/api/objections/${id}/document`);
        expect(doc.status).toBe(200);
        expect(doc.headers.get("content-type")).toContain(mime);
        expect(doc.headers.get("content-disposition")).toBe("attachment");
        expect(Buffer.from(await doc.arrayBuffer()).equals(bytes)).toBe(true);
        expect((await moderatorB.fetch(`${t.baseUrl}/api/objections/${id}/document`)).status).toBe(
          403,
        );
      }
    });

    it("answers a filled honeypot as if it were accepted and stores nothing", async () => {
      const t = server();
      const entry = await publish();
      const before = await storedCount(t);
      const res = await file(t, entry.publicId, valid({ website: "http://spam.example" }), {
        json: true,
      });
      expect(res.status).toBe(201);
      const { reference } = ObjectionReceiptSchema.parse(
        ((await res.json()) as { objection: unknown }).objection,
      );
      expect(await storedCount(t)).toBe(before);
      expect((await page(t, `/n/${entry.publicId}/objections/${reference}`)).status).toBe(404);
      expect((await queue()).some((o) => o.reference === reference)).toBe(false);
    });

    it("limits filings per address (5 an hour) and per entry (50 a day)", async () => {
      const t = server();
      const entry = await publish();
      const address = freshAddress();
      for (let i = 0; i < 5; i += 1)
        expect((await file(t, entry.publicId, valid(), { address, json: true })).status).toBe(201);
      const sixth = await file(t, entry.publicId, valid(), { address, json: true });
      expect(sixth.status).toBe(429);
      expect(Number(sixth.headers.get("retry-after"))).toBeGreaterThan(0);
      expect(((await sixth.json()) as { error: { code: string } }).error.code).toBe("rate_limited");
      // The page says it in the reader's language.
      const asPage = await file(t, entry.publicId, valid(), { address, lang: "zh" });
      expect(asPage.status).toBe(429);
      expect(await asPage.text()).toContain("提交次数过多");
      // Another address may still file; the entry takes 50 a day, then refuses from anywhere.
      for (let i = 5; i < 50; i += 1)
        expect(
          (
            await file(t, entry.publicId, valid(), {
              address: `10.88.${Math.floor(i / 5)}.1`,
              json: true,
            })
          ).status,
        ).toBe(201);
      const fiftyFirst = await file(t, entry.publicId, valid(), { json: true });
      expect(fiftyFirst.status).toBe(429);
      const rows = await t.server.store.db
        .selectFrom("objections")
        .select("id")
        .where("entry_id", "=", entry.id)
        .execute();
      expect(rows).toHaveLength(50);
      // Another entry is not affected.
      await fileOne(await publish());
    }, 120_000);

    it("suspends the entry pending review: a kiosk drops it and acknowledges, the page and the status say so", async () => {
      const t = server();
      const entry = await publish();
      const kiosk = await pairKiosk(t.baseUrl, A, "异议测试屏");
      try {
        const synced = await syncKiosk(kiosk.socket);
        expect(synced.entries.map((e) => e.id)).toContain(entry.id);
        const { reference } = await fileOne(entry);
        const id = await idOf(reference);
        const pushed = new Promise<{ version: number; removedIds?: string[] | undefined }>(
          (resolve) =>
            kiosk.socket.on("content:changed", (c) => {
              if (c.removedIds?.includes(entry.id)) resolve(c);
            }),
        );
        const res = await moderatorA.post(`${t.baseUrl}/api/objections/${id}/suspend`, {});
        expect(res.status).toBe(200);
        expect(
          ((await res.json()) as { objection: { state: string; entryState: string } }).objection,
        ).toMatchObject({
          state: "suspended",
          entryState: "pending_review",
        });
        const { version } = await pushed;
        expect((await syncKiosk(kiosk.socket, 0)).entries.map((e) => e.id)).not.toContain(entry.id);
        kiosk.socket.emit("kiosk:applied", { version });
        const takedown = async () =>
          (
            (await (await api(`${t.baseUrl}/api/takedowns?entry=${entry.id}`)).json()) as {
              takedowns: { kind: string; screens: number; acknowledged: number }[];
            }
          ).takedowns[0];
        await expect
          .poll(async () => (await takedown())?.acknowledged, { timeout: 15_000 })
          .toBe(1);
        expect(await takedown()).toMatchObject({ kind: "entry.withdrawn", screens: 1 });

        expect((await page(t, `/n/${entry.publicId}`)).status).toBe(410);
        // Off the list, it takes no more objections; the page says the listing ended.
        const late = await file(t, entry.publicId, valid(), { lang: "en" });
        expect(late.status).toBe(410);
        expect(await late.text()).toContain("This listing has ended");
        const status = await (
          await page(t, `/n/${entry.publicId}/objections/${reference}`, "en")
        ).text();
        expect(status).toContain("Under review: the listing was taken off the screens");
        // Suspended once is enough.
        expect(
          (await moderatorA.post(`${t.baseUrl}/api/objections/${id}/suspend`, {})).status,
        ).toBe(409);
      } finally {
        kiosk.socket.disconnect();
      }
    }, 60_000);

    it("keeps a suspended entry off the screens until its objection is decided, then approves it again", async () => {
      const t = server();
      const entry = await publish();
      const { reference } = await fileOne(entry);
      const id = await idOf(reference);
      expect((await moderatorA.post(`${t.baseUrl}/api/objections/${id}/suspend`, {})).status).toBe(
        200,
      );
      // Back in review, but no moderator publishes it while the objection is undecided.
      const refused = await approveAsSeen(t.baseUrl, moderatorA, entry.id);
      expect(refused.status).toBe(409);
      const error = (
        (await refused.json()) as {
          error: { reason: string; message: string; params: Record<string, string> };
        }
      ).error;
      expect(error).toMatchObject({ reason: "entry.objectionHolds", params: { reference } });
      expect(error.message).toContain(reference);
      expect(wordError("entry.objectionHolds", error.params, "zh-CN")).toContain("异议");
      expect((await page(t, `/n/${entry.publicId}`)).status).toBe(410);
      // Decided (dismissed with a reason): the moderator may approve it again.
      const dismissed = await moderatorA.post(`${t.baseUrl}/api/objections/${id}/dismiss`, {
        reason: "经核实，执行法院确认该案尚未履行完毕，公示信息无误。",
      });
      expect(dismissed.status).toBe(200);
      expect((await approveAsSeen(t.baseUrl, moderatorA, entry.id)).status).toBe(200);
      expect((await page(t, `/n/${entry.publicId}`)).status).toBe(200);
    });

    it("dismisses with a reason the objector reads, and marks another as forwarded to the court", async () => {
      const t = server();
      const entry = await publish();
      const first = await fileOne(entry);
      const second = await fileOne(entry);
      const reason = "经核实，执行法院确认该案尚未履行完毕，公示信息无误。";
      const firstId = await idOf(first.reference);
      expect(
        (await moderatorA.post(`${t.baseUrl}/api/objections/${firstId}/dismiss`, {})).status,
      ).toBe(400);
      const dismissed = await moderatorA.post(`${t.baseUrl}/api/objections/${firstId}/dismiss`, {
        reason,
      });
      expect(dismissed.status).toBe(200);
      const page1 = await (
        await page(t, `/n/${entry.publicId}/objections/${first.reference}`)
      ).text();
      expect(page1).toContain("驳回");
      expect(page1).toContain(reason);

      const forwarded = await moderatorA.post(
        `${t.baseUrl}/api/objections/${await idOf(second.reference)}/forward`,
        {},
      );
      expect(forwarded.status).toBe(200);
      const page2 = await (
        await page(t, `/n/${entry.publicId}/objections/${second.reference}`, "en")
      ).text();
      expect(page2).toContain("Forwarded to the enforcing court");
      // The entry stays on the screens: only a suspension takes it down.
      expect((await page(t, `/n/${entry.publicId}`)).status).toBe(200);
      expect((await queue(moderatorA, "?state=dismissed")).map((o) => o.reference)).toContain(
        first.reference,
      );
      expect((await queue(moderatorA, "?state=dismissed")).map((o) => o.reference)).not.toContain(
        second.reference,
      );
      // A decision is final.
      expect(
        (await moderatorA.post(`${t.baseUrl}/api/objections/${firstId}/forward`, {})).status,
      ).toBe(409);
    });

    it("refuses a dismissal reason holding personal data: 400 personal_data, nothing decided, nothing public", async () => {
      const t = server();
      const entry = await publish();
      const { reference } = await fileOne(entry);
      const id = await idOf(reference);
      for (const reason of [
        "已电话联系异议人，号码13800138000，核实无误。",
        "被执行人张三身份证号11010519491231002X，信息无误。",
      ]) {
        const res = await moderatorA.post(`${t.baseUrl}/api/objections/${id}/dismiss`, { reason });
        expect(res.status).toBe(400);
        const { error } = (await res.json()) as {
          error: { code: string; message: string; issues: { path: string }[] };
        };
        expect(error.code).toBe("personal_data");
        expect(error.message).toContain("public status page");
        expect(error.message).not.toMatch(/13800138000|11010519491231002X|张三/);
        expect(error.issues.map((i) => i.path)).toContain("reason");
      }
      expect((await queue()).find((o) => o.reference === reference)?.state).toBe("received");
      const status = await (await page(t, `/n/${entry.publicId}/objections/${reference}`)).text();
      expect(status).not.toContain("驳回");
      for (const leak of ["13800138000", "11010519491231002X"]) expect(status).not.toContain(leak);
      // Masked, the same reason is fine.
      const masked = await moderatorA.post(`${t.baseUrl}/api/objections/${id}/dismiss`, {
        reason: "已电话联系异议人（138****8000），被执行人张某信息无误。",
      });
      expect(masked.status).toBe(200);
    });

    it("refuses a dismissal naming the listed person in full, bare as it may be: the reason outlives the listing", async () => {
      const t = server();
      const entry = await publish({ fullName: "司马文轩", idNumber: "110101199205053344" });
      const { reference } = await fileOne(entry);
      const id = await idOf(reference);
      // No number beside it: only the entry's own name tells it apart from any two words.
      const res = await moderatorA.post(`${t.baseUrl}/api/objections/${id}/dismiss`, {
        reason: "司马文轩本人未能提供履行凭证。",
      });
      expect(res.status).toBe(400);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe("personal_data");
      expect(error.message).not.toContain("司马文轩");
      expect((await queue()).find((o) => o.reference === reference)?.state).toBe("received");
      const status = await (await page(t, `/n/${entry.publicId}/objections/${reference}`)).text();
      expect(status).not.toContain("司马文轩");
      // With the name masked as on the slide, it is taken.
      const masked = await moderatorA.post(`${t.baseUrl}/api/objections/${id}/dismiss`, {
        reason: "司马某本人未能提供履行凭证。",
      });
      expect(masked.status).toBe(200);
    });

    it("keeps a moderator of another district from seeing or deciding the objection", async () => {
      const t = server();
      const entry = await publish();
      const { reference } = await fileOne(entry);
      const id = await idOf(reference);
      expect((await queue(moderatorB)).some((o) => o.reference === reference)).toBe(false);
      expect((await moderatorB.fetch(`${t.baseUrl}/api/objections/${id}`)).status).toBe(403);
      for (const action of ["suspend", "forward"])
        expect(
          (await moderatorB.post(`${t.baseUrl}/api/objections/${id}/${action}`, {})).status,
        ).toBe(403);
      expect(
        (await moderatorB.post(`${t.baseUrl}/api/objections/${id}/dismiss`, { reason: "无" }))
          .status,
      ).toBe(403);
      expect((await queue()).find((o) => o.reference === reference)?.state).toBe("received");
      expect((await page(t, `/n/${entry.publicId}`)).status).toBe(200);
    });

    it("gives references nobody can enumerate: random, and valid only under their own notice", async () => {
      const t = server();
      const entry = await publish();
      const other = await publish();
      const references = new Set<string>();
      for (let i = 0; i < 6; i += 1) references.add((await fileOne(entry)).reference);
      expect(references.size).toBe(6);
      const [one = ""] = [...references];
      expect(one).toMatch(/^OBJ-[A-Z2-7]{10}$/);
      // Under another entry's address, a real reference is no objection at all.
      expect((await page(t, `/n/${other.publicId}/objections/${one}`)).status).toBe(404);
      const near = `${one.slice(0, -1)}${one.endsWith("A") ? "B" : "A"}`;
      for (const guess of [near, "OBJ-AAAAAAAAAA", "OBJ-0000000001", "1", "OBJ-1"]) {
        const res = await page(t, `/n/${entry.publicId}/objections/${guess}`);
        expect([guess, res.status]).toEqual([guess, 404]);
        expect(await res.text()).not.toContain("已收到");
      }
    });

    // The database files are SQLite's; PostgreSQL stores the same sealed bytes.
    if (kind === "sqlite")
      it("never stores the objector's data in clear: not in the database files, nor in the log", async () => {
        const t = server();
        const entry = await publish();
        await fileOne(entry, { text: `${OBJECTOR.text} 独特标记 QX-58213` });
        await checkpointWal(t.server.store.db);
        const needles = [OBJECTOR.name, OBJECTOR.contact, "QX-58213", "独特标记"].flatMap((s) => [
          Buffer.from(s, "utf8"),
          Buffer.from(s, "utf16le"),
        ]);
        const hits: string[] = [];
        for (const f of filesUnder(t.dataDir)) {
          const bytes = readFileSync(f);
          for (const n of needles) if (bytes.includes(n)) hits.push(`${n.toString()} in ${f}`);
        }
        expect(hits).toEqual([]);
        expect(t.logLines.join("\n")).not.toContain(OBJECTOR.contact);
        // The scan can see: the objection is in the database, sealed (its masked entry is in clear).
        const db = readFileSync(join(t.dataDir, "signage.db"));
        expect(db.includes(Buffer.from(entry.caseNumber, "utf8"))).toBe(true);
      });

    it("erases objections with the entry: unreadable once it is revoked, blanked by the sweep, deleted after the city's period", async () => {
      const t = server();
      const entry = await publish();
      const { reference } = await fileOne(entry);
      const id = await idOf(reference);
      const revoked = await api(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ reason: "obligation_fulfilled" }),
      });
      expect(revoked.status).toBe(200);
      // The entry's data key is gone: nothing of the objection opens any more.
      const opened = ObjectionDetailSchema.parse(
        await (await moderatorA.fetch(`${t.baseUrl}/api/objections/${id}`)).json(),
      );
      expect(opened.sealed).toBeNull();

      const row = () =>
        t.server.store.db
          .selectFrom("objections")
          .selectAll()
          .where("id", "=", id)
          .executeTakeFirst();
      const sweepAt = (at: Date) =>
        new RetentionSweep({
          db: t.server.store.db,
          log: pino({ level: "silent" }),
          settings: { playsDays: 400, endedSessionsDays: 30, objectionsDays: 180 },
          now: () => at,
        }).sweepObjections();
      const now = Date.now();
      expect((await sweepAt(new Date(now))).blanked).toBeGreaterThanOrEqual(1);
      expect(await row()).toMatchObject({
        name_sealed: null,
        contact_sealed: null,
        text_sealed: null,
        document_sealed: null,
      });
      // The objector can still read the decision state until the period ends.
      expect((await page(t, `/n/${entry.publicId}/objections/${reference}`)).status).toBe(200);
      expect((await sweepAt(new Date(now + 179 * 86_400_000))).deleted).toBe(0);
      expect(await row()).toBeDefined();
      expect((await sweepAt(new Date(now + 181 * 86_400_000))).deleted).toBeGreaterThanOrEqual(1);
      expect(await row()).toBeUndefined();
      expect((await page(t, `/n/${entry.publicId}/objections/${reference}`)).status).toBe(404);
    });
  });
}

objectionSuite("sqlite");
objectionSuite("postgres");
