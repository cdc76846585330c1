import { spawn } from "node:child_process";
import { join } from "node:path";

/** What a `signage` run printed and how it exited. */
export interface CliRun {
  code: number | null;
  stdout: string;
  stderr: string;
}

const bin = join(import.meta.dirname, "../../bin/signage.js");

/**
 * Runs `signage ARGS` as its own process (as an admin would, beside a running server) with a
 * clean environment plus `env`, writing `stdin` to it when given; resolves on exit, or after
 * 60 s with the process killed.
 */
export function runCli(
  args: string[],
  env: Record<string, string>,
  stdin?: string,
): Promise<CliRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], {
      env: { PATH: process.env["PATH"] ?? "", LOG_LEVEL: "silent", ...env },
      stdio: [stdin === undefined ? "ignore" : "pipe", "pipe", "pipe"],
    });
    let stdout = "";
    let stderr = "";
    const timer = setTimeout(() => child.kill("SIGKILL"), 60_000);
    child.stdout?.on("data", (c: Buffer) => (stdout += c.toString()));
    child.stderr?.on("data", (c: Buffer) => (stderr += c.toString()));
    child.on("error", reject);
    child.on("exit", (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
    if (stdin !== undefined && child.stdin) {
      // A command that never reads stdin may exit first; a closed pipe is no failure here.
      child.stdin.on("error", () => undefined);
      child.stdin.end(stdin);
    }
  });
}
