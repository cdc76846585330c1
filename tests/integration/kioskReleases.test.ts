import { createHash, randomBytes } from "node:crypto";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import pino from "pino";
import { parse } from "yaml";
import { loadConfig } from "../../server/config";
import { AppError } from "../../server/errors";
import { AuditLog } from "../../server/services/AuditLog";
import { RawVault } from "../../server/services/crypto/RawVault";
import { KioskReleases } from "../../server/services/releases/KioskReleases";
import { openStore } from "../../server/store/database";
import { KioskReleasesViewSchema } from "../../shared/schemas/kioskRelease";
import { expectAudited } from "../support/auditRecords";
import { backendDatabase, databaseBackends } from "../support/databases";
import { createUser } from "../support/principals";
import { runCli } from "../support/runCli";
import {
  api,
  createDistrict,
  pairKiosk,
  postJson,
  removeDataDir,
  startTestServer,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const require = createRequire(import.meta.url);

/** An AppImage as far as the feed looks: an ELF header marked "AI" type 2, then the payload. */
function fakeAppImage(payload: Buffer): Buffer {
  const head = Buffer.alloc(16);
  head.write("\x7fELF", 0, "latin1");
  head.write("AI\x02", 8, "latin1");
  return Buffer.concat([head, payload]);
}

/** A deb as far as the feed looks: an ar archive whose first member is debian-binary. */
function fakeDeb(payload: Buffer): Buffer {
  return Buffer.concat([Buffer.from("!<arch>\ndebian-binary   ", "latin1"), payload]);
}

/** The release the channel file names, as electron-builder's latest-linux.yml says it. */
interface FeedFile {
  version: string;
  path: string;
  sha512: string;
  files: { url: string; sha512: string; size: number }[];
}

describe.each(databaseBackends)("kiosk releases on $name", (backend) => {
  const NORTH = "rel-north";
  const SOUTH = "rel-south";
  let t: TestServer;
  let env: Record<string, string>;
  let drop: () => Promise<void>;
  let dir: string;
  /** The data directory's parent: a dot folder, as ~/.local/share/signage has one. */
  let home: string;
  /** Screens: north (staged district), pilot (south, staged tag), plain (south, nothing staged). */
  const screens = {} as Record<
    "north" | "pilot" | "plain",
    { socket: KioskSocket; token: string; screenId: string }
  >;
  const files = {} as Record<"v100" | "v110" | "v120", { path: string; bytes: Buffer }>;

  beforeAll(async () => {
    const db = await backendDatabase(backend);
    drop = () => db.drop();
    home = mkdtempSync(join(tmpdir(), "signage-rel-home-"));
    t = await startTestServer({ env: db.env, dataDir: join(home, ".local", "signage") });
    env = { SIGNAGE_DATA_DIR: t.dataDir, ...db.env };
    dir = mkdtempSync(join(tmpdir(), "signage-releases-"));
    const city = "rel-city";
    await createDistrict(t.baseUrl, city);
    await createDistrict(t.baseUrl, NORTH, city);
    await createDistrict(t.baseUrl, SOUTH, city);
    screens.north = await pairKiosk(t.baseUrl, NORTH, "北屏");
    screens.pilot = await pairKiosk(t.baseUrl, SOUTH, "试点屏");
    screens.plain = await pairKiosk(t.baseUrl, SOUTH, "南屏");
    const tagged = await api(`${t.baseUrl}/api/screens/${screens.pilot.screenId}/tags`, {
      method: "PUT",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ tags: ["pilot"] }),
    });
    expect(tagged.status).toBe(200);
    files.v100 = {
      path: join(dir, "civic-signage-kiosk-1.0.0-x86_64.AppImage"),
      bytes: fakeAppImage(randomBytes(200_000)),
    };
    files.v110 = {
      path: join(dir, "civic-signage-kiosk-1.1.0-amd64.deb"),
      bytes: fakeDeb(randomBytes(150_000)),
    };
    files.v120 = {
      path: join(dir, "civic-signage-kiosk-1.2.0-x86_64.AppImage"),
      bytes: fakeAppImage(randomBytes(1000)),
    };
    for (const f of Object.values(files)) writeFileSync(f.path, f.bytes);
  }, 120_000);

  afterAll(async () => {
    for (const s of Object.values(screens)) s.socket.disconnect();
    await t.stop();
    removeDataDir(home);
    await drop();
    rmSync(dir, { recursive: true, force: true });
  });

  /** GET a feed path as a screen (no token: anonymous). */
  const feed = (path: string, who?: keyof typeof screens) =>
    fetch(`${t.baseUrl}/kiosk/updates/stable/${path}`, {
      headers: who === undefined ? {} : { Authorization: `Bearer ${screens[who].token}` },
    });

  /** The version a screen's channel file names (null: none offered, 404). */
  async function offered(who: keyof typeof screens): Promise<string | null> {
    const res = await feed("stable-linux.yml", who);
    if (res.status === 404) return null;
    expect(res.status).toBe(200);
    return (parse(await res.text()) as FeedFile).version;
  }

  const everyone = async () => ({
    north: await offered("north"),
    pilot: await offered("pilot"),
    plain: await offered("plain"),
  });

  it("adds installers from the command line: kind by extension and bytes, version from the name, sha512 in base64, private files", async () => {
    const added = await runCli(
      ["kiosk-release", "add", files.v100.path, "--channel", "stable"],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    expect(added.stdout).toContain("added stable 1.0.0");
    const deb = await runCli(
      ["kiosk-release", "add", files.v110.path, "--channel", "stable", "--notes", "修复：夜间刷新"],
      env,
    );
    expect(deb.code, deb.stderr).toBe(0);
    const channelDir = join(t.dataDir, "releases", "stable");
    const storedName = readdirSync(channelDir).find((f) =>
      f.endsWith("-civic-signage-kiosk-1.0.0-x86_64.AppImage"),
    );
    const stored = join(channelDir, storedName ?? "missing");
    expect(statSync(stored).mode & 0o777).toBe(0o600);
    expect(statSync(stored).size).toBe(files.v100.bytes.length);
    await expectAudited(
      t,
      "release.added",
      { type: "cli" },
      {
        type: "kioskRelease",
        id: "stable@1.0.0",
      },
    );

    // Refused, nothing stored: the same version again, a text file named like an AppImage, a
    // name without a version, a bad channel (usage), and no such file.
    const again = await runCli(
      ["kiosk-release", "add", files.v100.path, "--channel", "stable"],
      env,
    );
    expect([again.code, again.stderr]).toEqual([1, expect.stringContaining("already been added")]);
    const fake = join(dir, "civic-signage-kiosk-9.9.9-x86_64.AppImage");
    writeFileSync(fake, "#!/bin/sh\necho not an appimage\n");
    const notInstaller = await runCli(["kiosk-release", "add", fake, "--channel", "stable"], env);
    expect([notInstaller.code, notInstaller.stderr]).toEqual([
      1,
      expect.stringContaining("is not an AppImage, deb or exe installer"),
    ]);
    const unnamed = join(dir, "kiosk.AppImage");
    writeFileSync(unnamed, fakeAppImage(randomBytes(10)));
    const noVersion = await runCli(["kiosk-release", "add", unnamed, "--channel", "stable"], env);
    expect([noVersion.code, noVersion.stderr]).toEqual([
      1,
      expect.stringContaining("give one with --version"),
    ]);
    const badChannel = await runCli(["kiosk-release", "add", fake, "--channel", "Stable!"], env);
    expect(badChannel.code).toBe(2);
    const missing = await runCli(
      ["kiosk-release", "add", join(dir, "gone-1.0.0.deb"), "--channel", "stable"],
      env,
    );
    expect([missing.code, missing.stderr]).toEqual([1, expect.stringContaining("cannot be read")]);
    const help = await runCli(["kiosk-release", "--help"], env);
    expect([help.code, help.stdout]).toEqual([
      0,
      expect.stringContaining("Usage: signage kiosk-release"),
    ]);

    const view = KioskReleasesViewSchema.parse(
      await (await api(`${t.baseUrl}/api/kiosk-releases`)).json(),
    );
    expect(view.releases.map((r) => r.version).sort()).toEqual(["1.0.0", "1.1.0"]);
    const v100 = view.releases.find((r) => r.version === "1.0.0");
    expect(v100?.sha512).toBe(createHash("sha512").update(files.v100.bytes).digest("base64"));
    expect(view.releases.find((r) => r.version === "1.1.0")?.notes).toBe("修复：夜间刷新");
    // Adding offers nothing yet.
    expect(await everyone()).toEqual({ north: null, pilot: null, plain: null });
  }, 120_000);

  it("serves the channel's release, and a staged one to the screens of its district and its tag only", async () => {
    const promoted = await runCli(
      ["kiosk-release", "promote", "1.0.0", "--channel", "stable"],
      env,
    );
    expect(promoted.code, promoted.stderr).toBe(0);
    await expectAudited(
      t,
      "release.promoted",
      { type: "cli" },
      { type: "kioskRelease", id: "stable@1.0.0" },
    );
    expect(await everyone()).toEqual({ north: "1.0.0", pilot: "1.0.0", plain: "1.0.0" });

    const me = (await (await api(`${t.baseUrl}/api/auth/me`)).json()) as { user: { id: string } };
    const staged = await postJson(`${t.baseUrl}/api/kiosk-releases/1.1.0/stage`, {
      channel: "stable",
      districtIds: [NORTH],
      tags: ["pilot"],
    });
    expect(staged.status).toBe(200);
    await expectAudited(
      t,
      "release.staged",
      { type: "user", id: me.user.id },
      {
        type: "kioskRelease",
        id: "stable@1.1.0",
      },
    );
    expect(await everyone()).toEqual({ north: "1.1.0", pilot: "1.1.0", plain: "1.0.0" });

    const view = KioskReleasesViewSchema.parse(
      await (await api(`${t.baseUrl}/api/kiosk-releases`)).json(),
    );
    expect(view.stages.map((s) => `${s.version} ${s.target.type} ${s.target.id}`).sort()).toEqual([
      `1.1.0 district ${NORTH}`,
      "1.1.0 tag pilot",
    ]);
    expect(view.rollouts).toEqual([
      expect.objectContaining({ channel: "stable", released: "1.0.0" }),
    ]);
    expect(view.screensByVersion).toContainEqual({ appVersion: "test", screens: 3 });
  });

  it("serves the offered file's bytes, matching the feed's sha512, to that screen and no other (the data directory is under a dot folder)", async () => {
    const yml = parse(await (await feed("stable-linux.yml", "north")).text()) as FeedFile;
    expect(yml.files).toHaveLength(1);
    expect(yml.path).toBe("files/civic-signage-kiosk-1.1.0-amd64.deb");
    const res = await feed(yml.path, "north");
    expect(res.status).toBe(200);
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(bytes.equals(files.v110.bytes)).toBe(true);
    expect(createHash("sha512").update(bytes).digest("base64")).toBe(yml.sha512);
    expect(yml.files[0]?.size).toBe(bytes.length);

    // The plain screen is offered 1.0.0: the staged build is not its to fetch, its own is.
    const other = await feed(yml.path, "plain");
    expect(other.status).toBe(404);
    expect(((await other.json()) as { error: { code: string } }).error.code).toBe("not_found");
    expect((await feed("files/civic-signage-kiosk-1.0.0-x86_64.AppImage", "plain")).status).toBe(
      200,
    );
    // No token, or a wrong one: 401, for the channel file and the installer alike.
    expect((await feed("stable-linux.yml")).status).toBe(401);
    expect((await feed(yml.path)).status).toBe(401);
    const forged = await fetch(`${t.baseUrl}/kiosk/updates/stable/${yml.path}`, {
      headers: { Authorization: `Bearer ${"x".repeat(43)}` },
    });
    expect(forged.status).toBe(401);
    // Another feed file name, or a path outside the channel's files.
    expect((await feed("beta-linux.yml", "north")).status).toBe(404);
    expect((await feed("files/..%2F..%2Fsignage.db", "north")).status).toBe(400);
  });

  it("is read by electron-updater's own generic provider, with the device token", async () => {
    const { GenericProvider } = require("electron-updater/out/providers/GenericProvider") as {
      GenericProvider: new (
        config: { provider: "generic"; url: string },
        updater: { channel: string | null; isAddNoCacheQuery: boolean },
        runtime: { platform: string; executor: unknown; isUseMultipleRangeRequest: boolean },
      ) => {
        setRequestHeaders(h: Record<string, string>): void;
        getLatestVersion(): Promise<{ version: string; files: { url: string; sha512: string }[] }>;
        resolveFiles(info: unknown): { url: URL; info: { sha512: string } }[];
      };
    };
    // electron-updater's executor is Electron's net module; this one does the same over fetch.
    const requested: string[] = [];
    const executor = {
      request: async (options: {
        protocol: string;
        hostname: string;
        port?: string;
        path: string;
        headers?: Record<string, string>;
      }) => {
        const url = `${options.protocol}//${options.hostname}:${options.port}${options.path}`;
        requested.push(url);
        const res = await fetch(url, { headers: options.headers ?? {} });
        if (res.status !== 200) throw new Error(`${res.status} from ${url}`);
        return res.text();
      },
    };
    const provider = new GenericProvider(
      { provider: "generic", url: `${t.baseUrl}/kiosk/updates/stable` },
      { channel: "stable", isAddNoCacheQuery: false },
      { platform: "linux", executor, isUseMultipleRangeRequest: false },
    );
    provider.setRequestHeaders({ Authorization: `Bearer ${screens.pilot.token}` });
    const info = await provider.getLatestVersion();
    expect(requested).toEqual([`${t.baseUrl}/kiosk/updates/stable/stable-linux.yml`]);
    expect(info.version).toBe("1.1.0");
    const [file] = provider.resolveFiles(info);
    expect(file?.url.href).toBe(
      `${t.baseUrl}/kiosk/updates/stable/files/civic-signage-kiosk-1.1.0-amd64.deb`,
    );
    const res = await fetch(file?.url ?? "", {
      headers: { Authorization: `Bearer ${screens.pilot.token}` },
    });
    const bytes = Buffer.from(await res.arrayBuffer());
    expect(createHash("sha512").update(bytes).digest("base64")).toBe(file?.info.sha512);
  });

  it("promotes to everyone, then rolls back to the previous release for everyone, stages cleared", async () => {
    const refused = await postJson(`${t.baseUrl}/api/kiosk-releases/1.1.0/promote`, {
      channel: "stable",
      everyone: true,
    });
    expect(refused.status).toBe(400);
    expect(await everyone()).toEqual({ north: "1.1.0", pilot: "1.1.0", plain: "1.0.0" });
    const unknown = await postJson(`${t.baseUrl}/api/kiosk-releases/7.0.0/promote`, {
      channel: "stable",
    });
    expect(unknown.status).toBe(404);

    const promoted = await postJson(`${t.baseUrl}/api/kiosk-releases/1.1.0/promote`, {
      channel: "stable",
    });
    expect(promoted.status).toBe(200);
    expect(await everyone()).toEqual({ north: "1.1.0", pilot: "1.1.0", plain: "1.1.0" });
    // A screen may now fetch what everyone is offered.
    expect((await feed("files/civic-signage-kiosk-1.1.0-amd64.deb", "plain")).status).toBe(200);

    // An older version cannot be staged over the release; a newer one can, and a rollback
    // clears it with every other stage.
    const stageOld = await postJson(`${t.baseUrl}/api/kiosk-releases/1.0.0/stage`, {
      channel: "stable",
      districtIds: [NORTH],
    });
    expect(stageOld.status).toBe(409);
    const added = await runCli(
      ["kiosk-release", "add", files.v120.path, "--channel", "stable"],
      env,
    );
    expect(added.code, added.stderr).toBe(0);
    const stagedCli = await runCli(
      ["kiosk-release", "stage", "1.2.0", "--channel", "stable", "--districts", NORTH],
      env,
    );
    expect(stagedCli.code, stagedCli.stderr).toBe(0);
    expect(await everyone()).toEqual({ north: "1.2.0", pilot: "1.1.0", plain: "1.1.0" });

    const rolledBack = await runCli(["kiosk-release", "rollback", "--channel", "stable"], env);
    expect(rolledBack.code, rolledBack.stderr).toBe(0);
    expect(rolledBack.stdout).toContain("rolled back from 1.1.0 to 1.0.0");
    await expectAudited(
      t,
      "release.rolled_back",
      { type: "cli" },
      {
        type: "kioskRelease",
        id: "stable@1.0.0",
      },
    );
    expect(await everyone()).toEqual({ north: "1.0.0", pilot: "1.0.0", plain: "1.0.0" });
    const yml = parse(await (await feed("stable-linux.yml", "north")).text()) as FeedFile;
    expect(yml.sha512).toBe(createHash("sha512").update(files.v100.bytes).digest("base64"));
    expect((await feed("files/civic-signage-kiosk-1.1.0-amd64.deb", "north")).status).toBe(404);
    const view = KioskReleasesViewSchema.parse(
      await (await api(`${t.baseUrl}/api/kiosk-releases`)).json(),
    );
    expect(view.stages).toEqual([]);

    // Nothing older to go back to now: a clear refusal, nothing changed.
    const again = await postJson(`${t.baseUrl}/api/kiosk-releases/rollback`, { channel: "stable" });
    expect(again.status).toBe(409);
    expect(await everyone()).toEqual({ north: "1.0.0", pilot: "1.0.0", plain: "1.0.0" });
    const listed = await runCli(["kiosk-release", "list"], env);
    expect(listed.code, listed.stderr).toBe(0);
    expect(listed.stdout).toContain("stable 1.0.0 -");
  }, 120_000);

  it("lets only admins of the whole city read or change releases", async () => {
    const operator = await createUser(t.baseUrl, `rel-op-${backend.name}`, [
      { role: "operator", scope: "*" },
    ]);
    expect((await operator.fetch(`${t.baseUrl}/api/kiosk-releases`)).status).toBe(403);
    const stage = await operator.post(`${t.baseUrl}/api/kiosk-releases/1.1.0/stage`, {
      channel: "stable",
      districtIds: [NORTH],
    });
    expect(stage.status).toBe(403);
    expect(await everyone()).toEqual({ north: "1.0.0", pilot: "1.0.0", plain: "1.0.0" });
  });

  it("adds one of two simultaneous adds of the same version, serves its bytes intact, and refuses the other with 409", async () => {
    // Two admins' runs at once (CI and a person): here two services started together on one
    // store (PostgreSQL's pool runs them side by side; SQLite's one connection takes their
    // transactions in turn, as its write lock does for two processes).
    const config = loadConfig(env);
    const store = openStore(config.database);
    try {
      const vault = RawVault.open({ dataDir: config.dataDir, keyBase64: config.masterKey });
      const services = [1, 2].map(
        () =>
          new KioskReleases({
            db: store.db,
            log: pino({ level: "silent" }),
            audit: new AuditLog({ db: store.db, kind: store.kind, key: vault.auditChainKey() }),
            dir: join(config.dataDir, "releases"),
          }),
      );
      // The same name and version, different bytes (two builds of one tag).
      const name = "civic-signage-kiosk-3.0.0-x86_64.AppImage";
      const builds = ["ci", "admin"].map((who) => {
        mkdirSync(join(dir, who));
        const path = join(dir, who, name);
        const bytes = fakeAppImage(randomBytes(8_000_000));
        writeFileSync(path, bytes);
        return { path, bytes };
      });
      const results = await Promise.allSettled(
        services.map((svc, i) =>
          svc.add({ sourcePath: builds[i]?.path ?? "", channel: "race" }, { type: "cli" }),
        ),
      );
      expect(results.map((r) => r.status).sort()).toEqual(["fulfilled", "rejected"]);
      const refused = results.find((r) => r.status === "rejected");
      expect(refused?.reason).toBeInstanceOf(AppError);
      expect((refused?.reason as AppError).status).toBe(409);
      const won = results.findIndex((r) => r.status === "fulfilled");
      const winner = builds[won]?.bytes ?? Buffer.alloc(0);

      // Only the winner's file is kept: no part file, nothing of the refused run.
      expect(readdirSync(join(config.dataDir, "releases", "race"))).toHaveLength(1);
      await services[0]?.promote("race", "3.0.0", { type: "cli" });
      const raceFeed = (path: string) =>
        fetch(`${t.baseUrl}/kiosk/updates/race/${path}`, {
          headers: { Authorization: `Bearer ${screens.plain.token}` },
        });
      const yml = parse(await (await raceFeed("race-linux.yml")).text()) as FeedFile;
      expect(yml.sha512).toBe(createHash("sha512").update(winner).digest("base64"));
      const res = await raceFeed(yml.path);
      expect(res.status).toBe(200);
      expect(Buffer.from(await res.arrayBuffer()).equals(winner)).toBe(true);
    } finally {
      await store.db.destroy();
    }
  }, 120_000);
});
