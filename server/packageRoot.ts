import { existsSync, readFileSync } from "node:fs";
import { dirname, join } from "node:path";
import { fileURLToPath } from "node:url";

/**
 * The nearest folder at or above `from` holding this package's package.json. Code runs from
 * server/ (tsx, tests) and from the bundle in dist/server/, at different depths, so files of
 * the checkout are found by walking up rather than by a fixed "../".
 */
export function findPackageRoot(from: string): string {
  for (let dir = from; ; dir = dirname(dir)) {
    const manifest = join(dir, "package.json");
    if (existsSync(manifest)) {
      const { name } = JSON.parse(readFileSync(manifest, "utf8")) as { name?: unknown };
      if (name === "civic-signage") return dir;
    }
    if (dirname(dir) === dir) throw new Error(`no civic-signage package.json above ${from}`);
  }
}

/** The checkout (or installed package) this server runs from. */
export const packageRoot = findPackageRoot(dirname(fileURLToPath(import.meta.url)));

/** The package's version, as `signage --version` and backups report it. */
export const packageVersion = (
  JSON.parse(readFileSync(join(packageRoot, "package.json"), "utf8")) as { version: string }
).version;
