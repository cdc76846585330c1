// Bundles the Electron main process and preload into CommonJS under dist/electron/.
// The preload must be one file: a sandboxed preload can require only "electron".
import { build } from "esbuild";
import path from "node:path";
import { fileURLToPath } from "node:url";

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), "..");

/** @type {import("esbuild").BuildOptions} */
const common = {
  bundle: true,
  format: "cjs",
  platform: "node",
  target: "node22",
  external: ["electron"],
  sourcemap: true,
  logLevel: "info",
};

await Promise.all([
  build({
    ...common,
    entryPoints: [path.join(root, "display/main/index.ts")],
    outfile: path.join(root, "dist/electron/main/index.cjs"),
  }),
  build({
    ...common,
    entryPoints: [path.join(root, "display/preload/index.ts")],
    outfile: path.join(root, "dist/electron/preload/index.cjs"),
  }),
]);
