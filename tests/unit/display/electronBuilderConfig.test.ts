import { readFile } from "node:fs/promises";
import { createRequire } from "node:module";
import { describe, expect, it } from "vitest";
import { parse } from "yaml";

/**
 * The kiosk package's Electron fuses (electron-builder.yml): the binary cannot be run as
 * Node, take NODE_OPTIONS or open an inspector, and loads the app only from its checked
 * archive. The packaging itself needs the Electron binary, which cannot be had here, so the
 * configuration is checked against electron-builder's own schema instead.
 */
const require = createRequire(import.meta.url);

async function config(): Promise<Record<string, unknown>> {
  const text = await readFile(new URL("../../../electron-builder.yml", import.meta.url), "utf8");
  return parse(text) as Record<string, unknown>;
}

describe("the kiosk package's Electron fuses", () => {
  it("turns off running as Node, NODE_OPTIONS and the inspector, and loads only the checked archive", async () => {
    const c = await config();
    expect(c["asar"]).toBe(true);
    expect(c["electronFuses"]).toMatchObject({
      runAsNode: false,
      enableNodeOptionsEnvironmentVariable: false,
      enableNodeCliInspectArguments: false,
      enableEmbeddedAsarIntegrityValidation: true,
      onlyLoadAppFromAsar: true,
      grantFileProtocolExtraPrivileges: false,
    });
  });

  it("names only fuses electron-builder knows, with the types it expects", async () => {
    const fuses = (await config())["electronFuses"] as Record<string, unknown>;
    const scheme = require("app-builder-lib/scheme.json") as {
      properties: Record<string, unknown>;
      definitions: { FuseOptionsV1: { properties: Record<string, { type: string }> } };
    };
    expect(scheme.properties).toHaveProperty("electronFuses");
    const known = scheme.definitions.FuseOptionsV1.properties;
    for (const [name, value] of Object.entries(fuses)) {
      expect({ name, known: name in known }).toEqual({ name, known: true });
      expect(typeof value).toBe(known[name]?.type);
    }
  });
});
