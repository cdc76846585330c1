import { mkdir, mkdtemp, readFile, rm, writeFile } from "node:fs/promises";
import { tmpdir } from "node:os";
import path from "node:path";
import { fileURLToPath } from "node:url";
import { afterAll, beforeAll, describe, expect, it, vi } from "vitest";
import type { AppProtocolDeps } from "../../../../display/main/appProtocol";
import { registerAppProtocol, resolveAppPath } from "../../../../display/main/appProtocol";

const root = path.resolve("/srv/kiosk/display");

describe("resolveAppPath", () => {
  it("serves index.html for the root", () => {
    expect(resolveAppPath(root, "app://kiosk/")).toBe(path.join(root, "index.html"));
    expect(resolveAppPath(root, "app://kiosk")).toBe(path.join(root, "index.html"));
  });

  it("maps a path under the root to that file, ignoring query and fragment", () => {
    expect(resolveAppPath(root, "app://kiosk/assets/index-abc.js?v=1#top")).toBe(
      path.join(root, "assets", "index-abc.js"),
    );
  });

  it("decodes percent-encoded file names", () => {
    expect(resolveAppPath(root, "app://kiosk/fonts/Noto%20Sans.woff2")).toBe(
      path.join(root, "fonts", "Noto Sans.woff2"),
    );
  });

  it.each([
    ["a parent segment", "app://kiosk/../etc/passwd"],
    ["a parent segment deeper in", "app://kiosk/assets/../../etc/passwd"],
    ["an encoded parent segment", "app://kiosk/%2e%2e/etc/passwd"],
    ["a mixed-case encoded parent segment", "app://kiosk/assets/%2E%2e/%2e%2E/secret"],
    ["a half-encoded parent segment", "app://kiosk/.%2e/secret"],
    ["a current-directory segment", "app://kiosk/./index.html"],
    ["an encoded slash", "app://kiosk/assets%2f..%2f..%2fsecret"],
    ["a backslash", "app://kiosk/..\\..\\secret"],
    ["an encoded backslash", "app://kiosk/assets/..%5c..%5csecret"],
    ["a NUL byte", "app://kiosk/index.html%00.png"],
    ["malformed percent-encoding", "app://kiosk/%E0%A4%A"],
    ["an empty segment", "app://kiosk/assets//index.js"],
    ["a directory", "app://kiosk/assets/"],
  ])("refuses %s", (_name, url) => {
    expect(resolveAppPath(root, url)).toBeNull();
  });

  it.each([
    ["another host", "app://evil/index.html"],
    ["a host that only starts like ours", "app://kiosk.evil/index.html"],
    ["a port", "app://kiosk:8080/index.html"],
    ["credentials", "app://user:pw@kiosk/index.html"],
    ["another scheme", "file:///srv/kiosk/display/index.html"],
    ["an http URL", "http://kiosk/index.html"],
    ["something that is not a URL", "not a url"],
  ])("refuses %s", (_name, url) => {
    expect(resolveAppPath(root, url)).toBeNull();
  });

  it("never returns a path outside the root", () => {
    const attempts = [
      "app://kiosk/%2e%2e%2f%2e%2e%2fetc",
      "app://kiosk/....//etc",
      "app://kiosk/%252e%252e/etc",
    ];
    for (const url of attempts) {
      const file = resolveAppPath(root, url);
      if (file !== null) expect(path.relative(root, file).startsWith("..")).toBe(false);
    }
  });
});

describe("registerAppProtocol", () => {
  let dir = "";
  let handler: (request: Request) => Promise<Response> = () => Promise.reject(new Error("unset"));

  beforeAll(async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    dir = await mkdtemp(path.join(tmpdir(), "kiosk-protocol-"));
    await mkdir(path.join(dir, "assets"));
    await writeFile(path.join(dir, "index.html"), "<!doctype html><title>kiosk</title>");
    await writeFile(path.join(dir, "assets", "main.js"), "export {};");
    const deps: AppProtocolDeps = {
      protocol: {
        handle: (scheme, handle) => {
          expect(scheme).toBe("app");
          handler = async (request) => handle(request);
        },
      },
      // Stands in for Chromium's file loader, which omits a Content-Type for .js here on purpose.
      net: {
        fetch: async (input) => {
          const url = typeof input === "string" ? input : input.url;
          return new Response(await readFile(fileURLToPath(url)));
        },
      },
    };
    registerAppProtocol(dir, "https://signage.example.gov", deps);
  });

  afterAll(async () => {
    vi.restoreAllMocks();
    await rm(dir, { recursive: true, force: true });
  });

  it("serves the renderer's index with the kiosk CSP", async () => {
    const response = await handler(new Request("app://kiosk/index.html"));
    expect(response.status).toBe(200);
    expect(await response.text()).toContain("<title>kiosk</title>");
    expect(response.headers.get("Content-Type")).toBe("text/html; charset=utf-8");
    expect(response.headers.get("Content-Security-Policy")).toContain(
      "connect-src 'self' https://signage.example.gov wss://signage.example.gov",
    );
  });

  it("labels module scripts as JavaScript", async () => {
    const response = await handler(new Request("app://kiosk/assets/main.js"));
    expect(response.status).toBe(200);
    expect(response.headers.get("Content-Type")).toBe("text/javascript; charset=utf-8");
  });

  it.each([
    ["a missing file", "app://kiosk/missing.js"],
    ["a directory", "app://kiosk/assets"],
    // Request() folds this to app://kiosk/etc/passwd, as Chromium does, which is not in the root.
    ["a traversal attempt", "app://kiosk/%2e%2e/%2e%2e/etc/passwd"],
  ])("answers 404 for %s", async (_name, url) => {
    const response = await handler(new Request(url));
    expect(response.status).toBe(404);
  });

  it("refuses methods other than GET and HEAD", async () => {
    const response = await handler(new Request("app://kiosk/index.html", { method: "POST" }));
    expect(response.status).toBe(405);
  });
});
