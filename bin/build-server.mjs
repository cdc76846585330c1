#!/usr/bin/env node
// `npm run build:server`: compiles the server, the CLI and the worker threads' entry files to
// JavaScript in dist/server/ with esbuild, so production runs plain Node (no tsx, no
// trampolines). Packages stay external (native ones like better-sqlite3, sharp and
// onnxruntime-node must, and the rest load from node_modules as before); only our own
// TypeScript is bundled, split into shared chunks so a light command loads little.
import { build } from "esbuild";
import { mkdirSync, readdirSync, renameSync, rmSync, utimesSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** Where the compiled server goes, relative to the checkout. */
export const serverOutdir = "dist/server";

/**
 * The entry points by output name: the CLI and the worker threads' task modules, named as
 * server/workerFile.ts looks them up. Entries and chunks share one folder, so code in any of
 * them finds a worker at `./<name>.js` beside itself.
 */
export const serverEntryPoints = {
  cli: "server/cli.ts",
  redactionWorker: "server/services/redaction/redactionTask.ts",
  referenceWorker: "server/services/redaction/referenceTask.ts",
  parseWorker: "server/services/import/parseTask.ts",
};

/**
 * Builds dist/server/ (or `outdir`, which must lie inside the checkout for the server to find
 * its package.json) under `base`. Each file is written beside its target and renamed over it,
 * so a CLI started meanwhile (the tests start many at once) never reads half a file; files of
 * an earlier build that this one did not write are removed.
 */
export async function buildServer({
  base = root,
  outdir = serverOutdir,
  logLevel = "warning",
} = {}) {
  const started = Date.now();
  const out = join(base, outdir);
  const result = await build({
    absWorkingDir: base,
    entryPoints: serverEntryPoints,
    outdir: out,
    chunkNames: "chunk-[hash]",
    bundle: true,
    splitting: true,
    format: "esm",
    platform: "node",
    target: "node20",
    packages: "external",
    // Stack traces map back to server/*.ts; the sources themselves are in the checkout.
    sourcemap: true,
    sourcesContent: false,
    write: false,
    logLevel,
  });
  mkdirSync(out, { recursive: true });
  const written = new Set();
  for (const file of result.outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
    written.add(basename(file.path));
  }
  for (const name of readdirSync(out)) {
    if (!written.has(name) && !name.endsWith(".tmp")) rmSync(join(out, name), { force: true });
  }
  // cli.js's age stands for the bundle (bin/build-if-stale.mjs): dated at the build's start, a
  // source saved while esbuild ran still counts as newer.
  utimesSync(join(out, "cli.js"), started / 1000, started / 1000);
}

/**
 * Builds as buildServer does; on failure says so on stderr in one line and resolves false.
 * esbuild prints its own errors (above that line) unless `logLevel` is "silent".
 */
export async function buildServerOrSay(options) {
  try {
    await buildServer(options);
    return true;
  } catch (err) {
    const fromEsbuild = err instanceof Error && "errors" in err && Array.isArray(err.errors);
    process.stderr.write(
      fromEsbuild
        ? "signage: the server build failed; see above.\n"
        : `signage: the server build failed: ${err instanceof Error ? err.message : String(err)}\n`,
    );
    return false;
  }
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  if (!(await buildServerOrSay({ logLevel: "info" }))) process.exitCode = 1;
}
