import { type ChildProcess, spawn } from "node:child_process";
import { mkdtemp, rm, utimes, writeFile, mkdir } from "node:fs/promises";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, describe, expect, it } from "vitest";
// @ts-expect-error -- a plain ES module script without type declarations
import { staleBundles } from "../../bin/build-if-stale.mjs";

const root = join(dirname(fileURLToPath(import.meta.url)), "../..");
const stale = staleBundles as (base?: string) => { output: string }[];

/** Exits of a child process, as a promise. */
function exited(child: ChildProcess): Promise<number | null> {
  return new Promise((resolve) => {
    if (child.exitCode !== null || child.signalCode !== null) resolve(child.exitCode);
    else child.once("exit", (code) => resolve(code));
  });
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
