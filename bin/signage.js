#!/usr/bin/env node
// Runs the compiled server and CLI, dist/server/cli.js (`npm run build:server`). When that is
// missing or older than its sources it is built first (esbuild, about a second), so a fresh
// `npm ci` and an edited checkout both run what the sources say; an install without the dev
// dependencies runs the build it was shipped with.
import { existsSync } from "node:fs";
import { serverBundle, serverStale } from "./build-if-stale.mjs";

const cli = new URL(`../${serverBundle.output}`, import.meta.url);

if (serverStale()) {
  let buildServerOrSay;
  try {
    ({ buildServerOrSay } = await import("./build-server.mjs"));
  } catch (err) {
    // esbuild is a dev dependency; anything else is a real failure.
    if (!(err instanceof Error && "code" in err && err.code === "ERR_MODULE_NOT_FOUND")) throw err;
  }
  if (buildServerOrSay) {
    // Said only to a person: a command's stderr is its answer to scripts and tests.
    if (process.stderr.isTTY)
      process.stderr.write(
        `signage: building the server (${serverBundle.output} missing or older than its sources)…\n`,
      );
    if (!(await buildServerOrSay({ logLevel: "error" }))) process.exit(1);
  } else if (!existsSync(cli)) {
    process.stderr.write(
      `signage: ${serverBundle.output} is missing and esbuild, a dev dependency, is not installed to build it; run "npm run build:server" where it is.\n`,
    );
    process.exit(1);
  }
}

// Stack traces in the logs then name server/*.ts and its lines, not the bundle's chunks.
process.setSourceMapsEnabled(true);
await import(cli.href);
