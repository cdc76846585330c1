import { type ChildProcess, spawn } from "node:child_process";
import { randomUUID } from "node:crypto";
import { mkdtemp, readdir, readFile, rm, utimes, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain ES module script without type declarations
import { serverStale, staleBundles } from "../../bin/build-if-stale.mjs";
// @ts-expect-error -- a plain ES module script without type declarations
import { buildServer } from "../../bin/build-server.mjs";
import { portraitPhoto } from "../fixtures/images";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const stale = staleBundles as (base?: string) => { output: string }[];
const serverIsStale = serverStale as (base?: string) => boolean;
const build = buildServer as (opts: { outdir: string; logLevel: string }) => Promise<void>;

/** Exits of a child process, as a promise. */
function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
}

/** Runs `node ARGS` to its end with `env` added; resolves with its exit code and output. */
function runNode(
  args: string[],
  env: Record<string, string>,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, args, {
    cwd: root,
    env: { PATH: process.env["PATH"] ?? "", ...env },
    stdio: ["ignore", "pipe", "pipe"],
  });
  let stdout = "";
  let stderr = "";
  child.stdout.on("data", (b: Buffer) => (stdout += b.toString("utf8")));
  child.stderr.on("data", (b: Buffer) => (stderr += b.toString("utf8")));
  return exited(child).then((code) => ({ code, stdout, stderr }));
}

describe("npm start (issue 19: build once, signals reach the server)", { timeout: 180_000 }, () => {
  const dirs: string[] = [];
  afterAll(() => Promise.all(dirs.map((d) => rm(d, { recursive: true, force: true }))));

  it("rebuilds a web bundle only when it is missing or older than its sources", async () => {
    const base = await mkdtemp(join(tmpdir(), "signage-stale-"));
    dirs.push(base);
    const file = async (path: string, at: number): Promise<void> => {
      await mkdir(dirname(join(base, path)), { recursive: true });
      await writeFile(join(base, path), "x");
      await utimes(join(base, path), at, at);
    };
    await file("display/renderer/src/main.ts", 1000);
    await file("server/console/src/App.tsx", 1000);
    await file("shared/schemas/entry.ts", 1000);
    await file("package-lock.json", 1000);
    expect(stale(base).map((b) => b.output)).toEqual([
      "dist/display/index.html",
      "dist/console/index.html",
    ]);
    await file("dist/display/index.html", 2000);
    await file("dist/console/index.html", 2000);
    expect(stale(base)).toEqual([]);
    await file("server/console/src/App.tsx", 3000);
    expect(stale(base).map((b) => b.output)).toEqual(["dist/console/index.html"]);
    await file("shared/schemas/entry.ts", 4000);
    expect(stale(base)).toHaveLength(2);
  });

  it("rebuilds the server only when dist/server is missing or older than its sources", async () => {
    const base = await mkdtemp(join(tmpdir(), "signage-stale-server-"));
    dirs.push(base);
    const file = async (path: string, at: number): Promise<void> => {
      await mkdir(dirname(join(base, path)), { recursive: true });
      await writeFile(join(base, path), "x");
      await utimes(join(base, path), at, at);
    };
    await file("server/cli.ts", 1000);
    await file("server/console/src/App.tsx", 1000);
    await file("shared/schemas/entry.ts", 1000);
    await file("package-lock.json", 1000);
    expect(serverIsStale(base)).toBe(true);
    await file("dist/server/cli.js", 2000);
    expect(serverIsStale(base)).toBe(false);
    // The console is a web bundle of its own, not part of the server's.
    await file("server/console/src/App.tsx", 3000);
    expect(serverIsStale(base)).toBe(false);
    await file("server/services/redaction/redactionTask.ts", 3000);
    expect(serverIsStale(base)).toBe(true);
    await file("dist/server/cli.js", 4000);
    await file("shared/schemas/entry.ts", 5000);
    expect(serverIsStale(base)).toBe(true);
  });

  it("builds a server that runs as plain JavaScript: it serves on port 0 and its workers start", async () => {
    // A build of its own beside dist/server, so CLIs other tests start meanwhile are not
    // disturbed; inside the checkout, as the server finds its package.json by walking up.
    const outdir = `dist/server-test-${randomUUID().slice(0, 8)}`;
    dirs.push(join(root, outdir));
    await build({ outdir, logLevel: "silent" });
    const files = await readdir(join(root, outdir));
    expect(files).toEqual(
      expect.arrayContaining([
        "cli.js",
        "redactionWorker.js",
        "referenceWorker.js",
        "parseWorker.js",
      ]),
    );
    for (const name of files.filter((f) => f.endsWith(".js")))
      expect(await readFile(join(root, outdir, name), "utf8")).not.toMatch(/\btsx\b/);
    const cli = join(root, outdir, "cli.js");

    const dataDir = await mkdtemp(join(tmpdir(), "signage-compiled-"));
    dirs.push(dataDir);
    const child = spawn(process.execPath, [cli, "serve"], {
      cwd: root,
      env: {
        PATH: process.env["PATH"] ?? "",
        PORT: "0",
        HOST: "127.0.0.1",
        SIGNAGE_DATA_DIR: dataDir,
        LOG_LEVEL: "info",
      },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr.on("data", (b: Buffer) => (out += b.toString("utf8")));
    const done = exited(child);
    try {
      await expect
        .poll(() => /"msg":"listening"/.test(out), { timeout: 60_000, interval: 100 })
        .toBe(true);
      const line = out.split("\n").find((l) => l.includes('"msg":"listening"')) ?? "";
      const { port } = JSON.parse(line) as { port: number };
      expect((await fetch(`http://127.0.0.1:${port}/healthz`)).status).toBe(200);
      child.kill("SIGTERM");
      expect(await done).toBe(0);
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }

    // A redaction runs in the compiled worker threads (the pool's, and the agreement check's).
    const photo = join(dataDir, "portrait.jpg");
    await writeFile(photo, await portraitPhoto(1));
    const redacted = await runNode([cli, "redact", "--json", photo, join(dataDir, "out.webp")], {
      SIGNAGE_DATA_DIR: dataDir,
    });
    expect(redacted.stderr).not.toMatch(/Cannot find module|failed/);
    expect([0, 3]).toContain(redacted.code);
    expect(JSON.parse(redacted.stdout)).toMatchObject({ input: photo });
  });

  it("serves without rebuilding, and stops the server when npm gets SIGTERM", async () => {
    const dataDir = await mkdtemp(join(tmpdir(), "signage-start-"));
    dirs.push(dataDir);
    // The suite runs after `npm run build`; if the bundles are stale, npm start builds them
    // first, which only takes longer.
    const child = spawn("npm", ["start", "--silent"], {
      cwd: root,
      env: { ...process.env, PORT: "0", HOST: "127.0.0.1", SIGNAGE_DATA_DIR: dataDir },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let out = "";
    child.stdout?.on("data", (b: Buffer) => (out += b.toString("utf8")));
    child.stderr?.on("data", (b: Buffer) => (out += b.toString("utf8")));
    const done = exited(child);
    try {
      await expect
        .poll(() => /"msg":"listening"/.test(out), { timeout: 120_000, interval: 200 })
        .toBe(true);
      const line = out.split("\n").find((l) => l.includes('"msg":"listening"')) ?? "";
      const { port, pid } = JSON.parse(line) as { port: number; pid: number };
      const health = await fetch(`http://127.0.0.1:${port}/healthz`);
      expect(health.status).toBe(200);
      // npm's own pid is not the server's: the signal must travel.
      expect(pid).not.toBe(child.pid);

      child.kill("SIGTERM");
      await done;
      await expect
        .poll(
          () =>
            fetch(`http://127.0.0.1:${port}/healthz`).then(
              () => "answering",
              () => "closed",
            ),
          { timeout: 30_000, interval: 250 },
        )
        .toBe("closed");
      await expect
        .poll(
          () => {
            try {
              process.kill(pid, 0);
              return "running";
            } catch {
              return "gone";
            }
          },
          { timeout: 30_000, interval: 250 },
        )
        .toBe("gone");
    } finally {
      if (child.exitCode === null) child.kill("SIGKILL");
    }
  });
});
