import { randomUUID } from "node:crypto";
import { io, type Socket } from "socket.io-client";
import { afterAll, describe, expect, it } from "vitest";
import { progressReporter } from "../../server/routes/imports/router";
import type { ConsoleClientEvents, ConsoleServerEvents } from "../../shared/protocol/events";
import { namespaces } from "../../shared/protocol/namespaces";
import {
  ImportProgressEventSchema,
  type ImportProgressEvent,
} from "../../shared/schemas/importProgress";
import { buildCourtExportRows, toCsv } from "../fixtures/courtExport";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  createDistrict,
  namespaceUrl,
  pairKiosk,
  signIn,
  useTestServer,
} from "../support/testServer";

type ConsoleSocket = Socket<ConsoleServerEvents, ConsoleClientEvents>;

describe("console sockets: import progress to the user who started it, live notices to all", () => {
  let operator: TestUser;
  let other: TestUser;
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "da");
    operator = await createUser(t.baseUrl, "operator", [{ role: "operator", scope: "da" }]);
    other = await createUser(t.baseUrl, "other", [{ role: "operator", scope: "da" }]);
  });
  const sockets: ConsoleSocket[] = [];
  afterAll(() => {
    for (const s of sockets) s.disconnect();
  });

  /** A console socket as the browser opens it: session cookie, this server's Origin. */
  function consoleSocket(
    headers: Record<string, string>,
    namespace: string = namespaces.console,
  ): Promise<ConsoleSocket> {
    const s: ConsoleSocket = io(namespaceUrl(server().baseUrl, namespace), {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      // As the console of the previous release asks: ignored on its namespace, refused on "/".
      auth: { console: true },
      extraHeaders: headers,
    });
    sockets.push(s);
    return new Promise((resolve, reject) => {
      s.once("connect", () => resolve(s));
      s.once("connect_error", reject);
    });
  }

  function importForm(progressId: string, rows: number): FormData {
    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", "da");
    form.set("expiryDate", "2029-12-31");
    form.set("progressId", progressId);
    form.set("file", new Blob([new Uint8Array(toCsv(buildCourtExportRows(rows)))]), "export.csv");
    return form;
  }

  it("sends the importing user's consoles every phase, in order, ending with done = total; nobody else", async () => {
    const origin = server().baseUrl;
    const mine = await consoleSocket({ Cookie: operator.cookie, Origin: origin });
    const theirs = await consoleSocket({ Cookie: other.cookie, Origin: origin });
    const seen: ImportProgressEvent[] = [];
    const leaked: unknown[] = [];
    mine.on("import:progress", (e) => seen.push(ImportProgressEventSchema.parse(e)));
    theirs.on("import:progress", (e) => leaked.push(e));
    const progressId = randomUUID();
    const res = await operator.fetch(`${origin}/api/imports`, {
      method: "POST",
      body: importForm(progressId, 600),
    });
    expect(res.status).toBe(201);
    await expect.poll(() => seen.at(-1)?.phase).toBe("done");
    expect(seen.every((e) => e.progressId === progressId)).toBe(true);
    const phases = [...new Set(seen.map((e) => e.phase))];
    expect(phases).toEqual(["parsing", "checking", "saving", "done"]);
    expect(seen.at(-1)).toMatchObject({ done: 600, total: 600 });
    expect(leaked).toEqual([]);
  });

  it('refuses a console socket without a session, with another site\'s Origin or on "/", and a bad progressId', async () => {
    const origin = server().baseUrl;
    await expect(consoleSocket({ Origin: origin })).rejects.toMatchObject({
      data: { code: "unauthenticated", message: "Sign in to the console first." },
    });
    await expect(
      consoleSocket({ Cookie: operator.cookie, Origin: "https://evil.example" }),
    ).rejects.toMatchObject({ data: { code: "unauthenticated" } });
    await expect(
      consoleSocket({ Cookie: "signage_session=not-a-session", Origin: origin }),
    ).rejects.toMatchObject({ data: { message: "Your session has ended; sign in again." } });
    // A console page of the previous release opens its socket on "/", where only kiosks are served.
    await expect(
      consoleSocket({ Cookie: operator.cookie, Origin: origin }, namespaces.legacyKiosk),
    ).rejects.toMatchObject({ data: { code: "unauthenticated" } });
    const bad = await operator.fetch(`${origin}/api/imports`, {
      method: "POST",
      body: importForm("not-a-uuid", 1),
    });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toMatchObject({ error: { code: "validation_failed" } });
  });

  it("tells every open console when a screen comes or goes, so its pages reload live", async () => {
    const origin = server().baseUrl;
    const watching = await consoleSocket({ Cookie: other.cookie, Origin: origin });
    const topics: string[] = [];
    watching.on("console:changed", (e) => topics.push(e.topic));
    const { socket } = await pairKiosk(origin, "da");
    await expect.poll(() => topics.includes("screens")).toBe(true);
    topics.length = 0;
    socket.disconnect();
    await expect.poll(() => topics.includes("screens"), { timeout: 3_000 }).toBe(true);
  });
});

describe("console sockets end with their session or the rights they were opened with (issue 14)", () => {
  const server = useTestServer({}, (t) => createDistrict(t.baseUrl, "da"));
  const sockets: ConsoleSocket[] = [];
  afterAll(() => {
    for (const s of sockets) s.disconnect();
  });

  /** A connected console socket of a session, as the browser opens it. */
  function consoleSocket(cookie: string): Promise<ConsoleSocket> {
    const s: ConsoleSocket = io(namespaceUrl(server().baseUrl, namespaces.console), {
      transports: ["websocket"],
      forceNew: true,
      reconnection: false,
      extraHeaders: { Cookie: cookie, Origin: server().baseUrl },
    });
    sockets.push(s);
    return new Promise((resolve, reject) => {
      s.once("connect", () => resolve(s));
      s.once("connect_error", reject);
    });
  }

  /** Resolves with the reason once the server disconnects `s`. */
  function disconnection(s: ConsoleSocket): Promise<string> {
    return new Promise((resolve) => s.once("disconnect", (reason) => resolve(reason)));
  }

  const operator = () =>
    createUser(server().baseUrl, "operator", [{ role: "operator", scope: "da" }]);

  const patchUser = (id: string, body: unknown) =>
    api(`${server().baseUrl}/api/users/${id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(body),
    });

  it("ends the socket of the session signed out, and only that session's", async () => {
    const user = await operator();
    const otherSession = await signIn(server().baseUrl, user.email, user.password);
    const signedOut = await consoleSocket(user.cookie);
    const goesOn = await consoleSocket(otherSession);
    const ended = disconnection(signedOut);
    const res = await user.post(`${server().baseUrl}/api/auth/logout`, {});
    expect(res.status).toBe(204);
    expect(await ended).toBe("io server disconnect");
    // The other session's socket still hears what consoles are told afterwards.
    const heard = new Promise<string>((resolve) =>
      goesOn.once("console:changed", (e) => resolve(e.topic)),
    );
    const { socket: kiosk } = await pairKiosk(server().baseUrl, "da");
    kiosk.disconnect();
    expect(await heard).toBe("screens");
    expect(goesOn.connected).toBe(true);
  });

  it("ends every socket of a user who is disabled", async () => {
    const user = await operator();
    const s = await consoleSocket(user.cookie);
    const ended = disconnection(s);
    expect((await patchUser(user.id, { disabled: true })).status).toBe(200);
    expect(await ended).toBe("io server disconnect");
  });

  it("ends every socket of a user whose roles change", async () => {
    const user = await operator();
    const s = await consoleSocket(user.cookie);
    const ended = disconnection(s);
    const res = await patchUser(user.id, { roles: [{ role: "moderator", scope: "da" }] });
    expect(res.status).toBe(200);
    expect(await ended).toBe("io server disconnect");
    // Its session goes on: a new socket is admitted with the new roles.
    expect((await consoleSocket(user.cookie)).connected).toBe(true);
  });

  it("ends the sockets of the other sessions when a user changes their password", async () => {
    const user = await operator();
    const stolen = await signIn(server().baseUrl, user.email, user.password);
    const thief = await consoleSocket(stolen);
    const mine = await consoleSocket(user.cookie);
    const ended = disconnection(thief);
    const res = await user.post(`${server().baseUrl}/api/auth/password`, {
      currentPassword: user.password,
      newPassword: "a brand new long password",
    });
    expect(res.status).toBe(204);
    expect(await ended).toBe("io server disconnect");
    await expect(consoleSocket(stolen)).rejects.toMatchObject({
      data: { message: "Your session has ended; sign in again." },
    });
    // The session that changed the password goes on, and so does its socket.
    const heard = new Promise<string>((resolve) =>
      mine.once("console:changed", (e) => resolve(e.topic)),
    );
    const { socket: kiosk } = await pairKiosk(server().baseUrl, "da");
    kiosk.disconnect();
    expect(await heard).toBe("screens");
  });

  it("ends every socket of a user whose password an admin resets", async () => {
    const user = await operator();
    const s = await consoleSocket(user.cookie);
    const ended = disconnection(s);
    const res = await api(`${server().baseUrl}/api/users/${user.id}/reset-password`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: "{}",
    });
    expect(res.status).toBe(200);
    expect(await ended).toBe("io server disconnect");
  });
});

describe("progressReporter", () => {
  it("passes every phase change and the end at once, and at most one step per 200 ms within a phase", () => {
    let now = 0;
    const sent: string[] = [];
    const report = progressReporter(
      randomUUID(),
      (e) => sent.push(`${e.phase}:${e.done}`),
      () => now,
    );
    report({ phase: "checking", done: 0, total: 10 });
    report({ phase: "checking", done: 5, total: 10 });
    now = 250;
    report({ phase: "checking", done: 8, total: 10 });
    report({ phase: "saving", done: 0, total: 10 });
    report({ phase: "done", done: 10, total: 10 });
    expect(sent).toEqual(["checking:0", "checking:8", "saving:0", "done:10"]);
  });
});
