#!/usr/bin/env node
// `npm start` runs this first: it builds the web bundles (display and console) and the compiled
// server (dist/server/) only when one is missing or older than the sources it is built from, so
// a restart takes a second instead of a rebuild. `npm run build` always builds. `--web-only`
// leaves the server alone (`npm run dev` runs it from source).
import { spawnSync } from "node:child_process";
import { readdirSync, statSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

const root = join(dirname(fileURLToPath(import.meta.url)), "..");

/** What each bundle is built from, and the file whose age stands for the bundle. */
export const webBundles = [
  {
    output: "dist/display/index.html",
    sources: ["display/renderer", "display/kioskApi.ts", "shared", "package-lock.json"],
  },
  {
    output: "dist/console/index.html",
    sources: ["server/console", "shared", "package-lock.json"],
  },
];

/** The compiled server (bin/build-server.mjs), built from server/ less the console's own app. */
export const serverBundle = {
  output: "dist/server/cli.js",
  sources: ["server", "shared", "package-lock.json", "tsconfig.base.json", "bin/build-server.mjs"],
  except: ["server/console"],
};

/**
 * The newest modification time (ms) of a file or of any file under a folder, not looking into
 * the absolute paths in `skip`; 0 if absent.
 */
export function newestMtime(path, skip = new Set()) {
  if (skip.has(path)) return 0;
  let stat;
  try {
    stat = statSync(path);
  } catch {
    return 0;
  }
  if (!stat.isDirectory()) return stat.mtimeMs;
  let newest = 0;
  for (const entry of readdirSync(path, { withFileTypes: true })) {
    if (entry.name === "node_modules" || entry.name.startsWith(".")) continue;
    newest = Math.max(newest, newestMtime(join(path, entry.name), skip));
  }
  return newest;
}

/** Whether `bundle` is missing or older than one of its sources, under `base`. */
export function isStale(bundle, base = root) {
  const built = newestMtime(join(base, bundle.output));
  const skip = new Set((bundle.except ?? []).map((p) => join(base, p)));
  return built === 0 || bundle.sources.some((s) => newestMtime(join(base, s), skip) > built);
}

/** The web bundles that are missing or older than one of their sources, under `base`. */
export function staleBundles(base = root) {
  return webBundles.filter((b) => isStale(b, base));
}

/** Whether the compiled server under `base` is missing or older than one of its sources. */
export function serverStale(base = root) {
  return isStale(serverBundle, base);
}

if (process.argv[1] && fileURLToPath(import.meta.url) === process.argv[1]) {
  const stale = staleBundles();
  if (stale.length > 0) {
    process.stderr.write(
      `signage: building the web bundles (${stale.map((b) => b.output).join(", ")} missing or older than their sources)…\n`,
    );
    const npm = process.platform === "win32" ? "npm.cmd" : "npm";
    const built = spawnSync(npm, ["run", "build:web"], { cwd: root, stdio: "inherit" });
    if (built.status !== 0) {
      process.stderr.write("signage: the web build failed; see above.\n");
      process.exit(built.status ?? 1);
    }
  }
  if (!process.argv.includes("--web-only") && serverStale()) {
    process.stderr.write(
      `signage: building the server (${serverBundle.output} missing or older than its sources)…\n`,
    );
    // Imported here: esbuild is needed only when there is something to build.
    const { buildServerOrSay } = await import("./build-server.mjs");
    if (!(await buildServerOrSay({ logLevel: "error" }))) process.exit(1);
  }
}
