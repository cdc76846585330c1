import { describe, expect, it } from "vitest";
import { isKioskUrl } from "../../../../display/main/kioskOrigin";
import {
  contentSecurityPolicy,
  isTrustedSender,
  secureWebPreferences,
} from "../../../../display/main/security";

function directives(csp: string): Map<string, string[]> {
  return new Map(
    csp.split(";").map((part) => {
      const [name = "", ...sources] = part.trim().split(/\s+/);
      return [name, sources];
    }),
  );
}

describe("contentSecurityPolicy", () => {
  it("lets the page reach its server over HTTP and websocket, and nothing else", () => {
    const csp = directives(contentSecurityPolicy("https://signage.example.gov/api/"));
    expect(csp.get("connect-src")).toEqual([
      "'self'",
      "https://signage.example.gov",
      "wss://signage.example.gov",
    ]);
    expect(csp.get("img-src")).toEqual(["'self'", "data:", "blob:", "https://signage.example.gov"]);
  });

  it("keeps the port and uses ws: for an http server", () => {
    const csp = directives(contentSecurityPolicy("http://127.0.0.1:8080"));
    expect(csp.get("connect-src")).toEqual([
      "'self'",
      "http://127.0.0.1:8080",
      "ws://127.0.0.1:8080",
    ]);
  });

  it("allows only the app's own scripts: no eval, no inline script", () => {
    const policy = contentSecurityPolicy("https://signage.example.gov");
    const csp = directives(policy);
    expect(policy).not.toContain("unsafe-eval");
    expect(csp.get("script-src")).toEqual(["'self'"]);
    expect(csp.get("default-src")).toEqual(["'self'"]);
    expect(csp.get("style-src")).toEqual(["'self'", "'unsafe-inline'"]);
    expect(csp.get("font-src")).toEqual(["'self'", "data:"]);
  });

  it("forbids plugins, base rewriting and framing", () => {
    const csp = directives(contentSecurityPolicy("https://signage.example.gov"));
    expect(csp.get("object-src")).toEqual(["'none'"]);
    expect(csp.get("base-uri")).toEqual(["'none'"]);
    expect(csp.get("frame-ancestors")).toEqual(["'none'"]);
  });

  it("refuses a server that is not http or https", () => {
    expect(() => contentSecurityPolicy("ftp://signage.example.gov")).toThrow(/http or https/);
  });
});

describe("secureWebPreferences", () => {
  it("isolates and sandboxes the page with no Node access", () => {
    const preferences = secureWebPreferences("/app/preload/index.cjs");
    expect(preferences).toMatchObject({
      preload: "/app/preload/index.cjs",
      contextIsolation: true,
      sandbox: true,
      nodeIntegration: false,
      nodeIntegrationInWorker: false,
      nodeIntegrationInSubFrames: false,
      webSecurity: true,
      allowRunningInsecureContent: false,
      webviewTag: false,
      spellcheck: false,
      devTools: false,
    });
  });

  it("changes only DevTools and the extra arguments when asked", () => {
    const plain = secureWebPreferences("/p.cjs");
    const dev = secureWebPreferences("/p.cjs", {
      devTools: true,
      additionalArguments: ["--kiosk-app-version=1.2.3"],
    });
    expect(dev).toEqual({
      ...plain,
      devTools: true,
      additionalArguments: ["--kiosk-app-version=1.2.3"],
    });
  });
});

describe("trusted origin", () => {
  it.each(["app://kiosk/index.html", "app://kiosk/", "app://kiosk/assets/x.js?y#z"])(
    "trusts %s",
    (url) => {
      expect(isKioskUrl(url)).toBe(true);
      expect(isTrustedSender(url)).toBe(true);
    },
  );

  it.each([
    "https://signage.example.gov/",
    "app://evil/index.html",
    "app://kiosk.evil/",
    "app://kiosk:1/",
    "app://x@kiosk/",
    "file:///index.html",
    "about:blank",
    "",
  ])("does not trust %s", (url) => {
    expect(isKioskUrl(url)).toBe(false);
    expect(isTrustedSender(url)).toBe(false);
  });

  it("does not trust a sender whose frame is gone", () => {
    expect(isTrustedSender(undefined)).toBe(false);
  });
});
