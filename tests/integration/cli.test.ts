import { spawn } from "node:child_process";
import { writeFileSync } from "node:fs";
import { createServer, type AddressInfo } from "node:net";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { makeDataDir, removeDataDir } from "../support/testServer";

const bin = join(import.meta.dirname, "../../bin/signage.js");

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

/** Runs `signage ARGS` with a clean environment plus `env`; resolves on exit. */
function runCli(
  args: string[],
  env: Record<string, string>,
  onStdout?: (chunk: string, kill: () => void) => void,
): Promise<Run> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env["PATH"] ?? "", LOG_LEVEL: "info", ...env },
      stdio: ["ignore", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 20_000);
    child.stdout.on("data", (c: Buffer) => {
      stdout += c.toString();
      onStdout?.(stdout, () => child.kill("SIGTERM"));
    });
    child.stderr.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}

/** A startup failure is one sentence on stderr, no stack trace, exit code 1. */
function expectOneSentence(run: Run, pattern: RegExp): void {
  expect(run.code).toBe(1);
  const lines = run.stderr.trim().split("\n");
  expect(lines).toHaveLength(1);
  expect(lines[0]).toMatch(/^signage: .+\.$/);
  expect(lines[0]).toMatch(pattern);
  expect(run.stderr).not.toMatch(/\n\s+at /);
}

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDataDir(d);
});
function dataDir(): string {
  const d = makeDataDir();
  dirs.push(d);
  return d;
}

describe("signage CLI", () => {
  it("prints help with every configuration variable", async () => {
    const run = await runCli(["--help"], {});
    expect(run.code).toBe(0);
    for (const name of ["serve", "PORT", "SIGNAGE_DATA_DIR", "DATABASE_URL"])
      expect(run.stdout).toContain(name);
  });

  it("refuses an unknown command with usage advice", async () => {
    const run = await runCli(["frobnicate"], {});
    expect(run.code).toBe(2);
    expect(run.stderr).toContain('unknown command "frobnicate"');
  });

  it("refuses an unknown database URL scheme in one sentence", async () => {
    const run = await runCli(["serve"], {
      SIGNAGE_DATA_DIR: dataDir(),
      DATABASE_URL: "mysql://db/signage",
      PORT: "0",
    });
    expectOneSentence(run, /unsupported scheme "mysql"/);
  });

  it("refuses a data directory it cannot create", async () => {
    const parent = join(dataDir(), "a-file");
    writeFileSync(parent, "not a directory");
    const run = await runCli(["serve"], { SIGNAGE_DATA_DIR: join(parent, "data"), PORT: "0" });
    expectOneSentence(run, /data directory .* cannot be created or written/);
  });

  it("refuses a port already in use", async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, "127.0.0.1", r));
    const port = (blocker.address() as AddressInfo).port;
    try {
      const run = await runCli(["serve"], {
        SIGNAGE_DATA_DIR: dataDir(),
        PORT: String(port),
        HOST: "127.0.0.1",
      });
      expectOneSentence(run, new RegExp(`Port ${port} on 127.0.0.1 is already in use`));
    } finally {
      blocker.close();
    }
  });

  it("refuses a PORT that is not a number", async () => {
    const run = await runCli(["serve"], { SIGNAGE_DATA_DIR: dataDir(), PORT: "eighty" });
    expectOneSentence(run, /Invalid PORT/);
  });

  it("shuts down cleanly on SIGTERM, even when the signal repeats", async () => {
    let signals = 0;
    const run = await runCli(
      ["serve"],
      { SIGNAGE_DATA_DIR: dataDir(), PORT: "0", HOST: "127.0.0.1" },
      (out, kill) => {
        if (out.includes('"msg":"listening"') && signals < 2) {
          signals += 1;
          kill();
        }
      },
    );
    expect(signals).toBeGreaterThanOrEqual(1);
    expect(run.code).toBe(0);
    expect(run.stdout).toContain('"msg":"stopped"');
  });
});
