#!/usr/bin/env node
// `npm start` runs this first: it builds the web bundles (display and console) only when a
// bundle is missing or older than the sources it is built from, so a restart takes a second
// instead of a rebuild. `npm run build` always builds.
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

/** The newest modification time (ms) of a file or of any file under a folder; 0 if absent. */
export function newestMtime(path) {
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
    newest = Math.max(newest, newestMtime(join(path, entry.name)));
  }
  return newest;
}

/** The bundles that are missing or older than one of their sources, under `base`. */
export function staleBundles(base = root) {
  return webBundles.filter((b) => {
    const built = newestMtime(join(base, b.output));
    return built === 0 || b.sources.some((s) => newestMtime(join(base, s)) > built);
  });
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
}
