import { existsSync, mkdtempSync, mkdirSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { findPackageRoot, packageRoot } from "../../../server/packageRoot";
import { workerFile, type WorkerName } from "../../../server/workerFile";

const names: WorkerName[] = ["redactionWorker", "referenceWorker", "parseWorker"];

describe("workerFile", () => {
  it("starts workers from the tsx trampolines beside the sources when run from TypeScript", () => {
    for (const name of names) {
      const file = workerFile(name);
      expect(file).toMatch(new RegExp(`/server/services/\\w+/${name}\\.mjs$`));
      expect(existsSync(file)).toBe(true);
    }
  });

  it("starts workers from the compiled entries beside the bundle chunk asking", () => {
    const chunk = pathToFileURL("/opt/signage/dist/server/chunk-ABC123.js").href;
    expect(workerFile("redactionWorker", chunk)).toBe(
      "/opt/signage/dist/server/redactionWorker.js",
    );
    expect(workerFile("parseWorker", chunk)).toBe("/opt/signage/dist/server/parseWorker.js");
  });
});

describe("packageRoot", () => {
  it("is the checkout, from server/ and from any depth of dist/", () => {
    expect(existsSync(join(packageRoot, "server", "cli.ts"))).toBe(true);
    expect(findPackageRoot(join(packageRoot, "dist", "server"))).toBe(packageRoot);
  });

  it("skips a package.json of another package on the way up", () => {
    const dir = mkdtempSync(join(tmpdir(), "signage-root-"));
    try {
      writeFileSync(join(dir, "package.json"), JSON.stringify({ name: "civic-signage" }));
      mkdirSync(join(dir, "node_modules", "other"), { recursive: true });
      writeFileSync(join(dir, "node_modules", "other", "package.json"), '{"name":"other"}');
      expect(findPackageRoot(join(dir, "node_modules", "other"))).toBe(dir);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
