import { describe, expect, it } from "vitest";
import { DEFAULT_SERVER_URL, loadKioskConfig } from "../../../../display/main/kioskConfig";
import type { KioskConfigSources } from "../../../../display/main/kioskConfig";

const electronArgv = ["/opt/Civic Signage Kiosk/civic-signage-kiosk", "--no-first-run"];

function load(sources: Partial<KioskConfigSources>) {
  return loadKioskConfig({ argv: electronArgv, env: {}, ...sources });
}

function configured(serverUrl: string) {
  return { ok: true, config: { serverUrl } };
}

describe("loadKioskConfig", () => {
  it("falls back to a server on the same machine", () => {
    expect(load({})).toEqual(configured(DEFAULT_SERVER_URL));
    expect(DEFAULT_SERVER_URL).toBe("http://127.0.0.1:8080");
  });

  it("prefers --server over the environment and the file", () => {
    expect(
      load({
        argv: [...electronArgv, "--server=https://argv.example.gov"],
        env: { SIGNAGE_SERVER_URL: "https://env.example.gov" },
        fileText: '{"serverUrl": "https://file.example.gov"}',
      }),
    ).toEqual(configured("https://argv.example.gov"));
  });

  it("prefers SIGNAGE_SERVER_URL over the file", () => {
    expect(
      load({
        env: { SIGNAGE_SERVER_URL: "https://env.example.gov" },
        fileText: '{"serverUrl": "https://file.example.gov"}',
      }),
    ).toEqual(configured("https://env.example.gov"));
  });

  it("reads kiosk.json when nothing else is set", () => {
    expect(load({ fileText: '{ "serverUrl": "http://10.0.0.5:8080" }' })).toEqual(
      configured("http://10.0.0.5:8080"),
    );
  });

  it("treats an empty SIGNAGE_SERVER_URL as unset", () => {
    expect(load({ env: { SIGNAGE_SERVER_URL: "  " } })).toEqual(configured(DEFAULT_SERVER_URL));
  });

  it("takes the last --server when given twice", () => {
    expect(
      load({ argv: ["--server=https://a.example.gov", "--server=https://b.example.gov"] }),
    ).toEqual(configured("https://b.example.gov"));
  });

  it("does not read the file when a higher source is set, so a broken file does not matter", () => {
    expect(
      load({ env: { SIGNAGE_SERVER_URL: "https://env.example.gov" }, fileText: "{oops" }),
    ).toEqual(configured("https://env.example.gov"));
  });

  it.each([
    ["not a URL", "signage.example.gov"],
    ["an ftp URL", "ftp://signage.example.gov"],
    ["a websocket URL", "wss://signage.example.gov"],
    ["empty", ""],
  ])("refuses a --server value that is %s, naming the switch", (_name, value) => {
    const result = load({ argv: [`--server=${value}`] });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toContain("--server");
      expect(result.error).toContain(JSON.stringify(value));
    }
  });

  it("refuses an ftp URL from the environment, naming the variable", () => {
    const result = load({ env: { SIGNAGE_SERVER_URL: "ftp://signage.example.gov" } });
    expect(result).toEqual({
      ok: false,
      error:
        'The server URL "ftp://signage.example.gov" from SIGNAGE_SERVER_URL is not a valid http or https URL.',
    });
  });

  it("refuses a kiosk.json that is not JSON, naming the file", () => {
    const result = load({ fileText: "serverUrl = https://x", filePath: "/etc/kiosk/kiosk.json" });
    expect(result.ok).toBe(false);
    if (!result.ok) {
      expect(result.error).toMatch(/^\/etc\/kiosk\/kiosk\.json is not valid JSON/);
    }
  });

  it("refuses an empty kiosk.json", () => {
    expect(load({ fileText: "" }).ok).toBe(false);
  });

  it("refuses a bad URL inside kiosk.json", () => {
    const result = load({ fileText: '{"serverUrl": "ftp://x.example.gov"}' });
    expect(result).toEqual({
      ok: false,
      error:
        'The server URL "ftp://x.example.gov" from kiosk.json is not a valid http or https URL.',
    });
  });

  it.each([
    ["an array", '["https://x.example.gov"]'],
    ["a misspelt key", '{"serverURL": "https://x.example.gov"}'],
    ["an extra key", '{"serverUrl": "https://x.example.gov", "token": "secret"}'],
    ["a number", '{"serverUrl": 8080}'],
  ])("refuses a kiosk.json holding %s", (_name, fileText) => {
    const result = load({ fileText });
    expect(result.ok).toBe(false);
    if (!result.ok) expect(result.error).toContain('exactly one "serverUrl" string');
  });

  it("answers every error with one sentence", () => {
    const results = [
      load({ argv: ["--server=nope"] }),
      load({ fileText: "{" }),
      load({ fileText: "[]" }),
    ];
    for (const result of results) {
      expect(result.ok).toBe(false);
      if (!result.ok) expect(result.error).toMatch(/^[^\n]+\.$/);
    }
  });
});
