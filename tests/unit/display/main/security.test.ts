import type { Session, WebContents } from "electron";
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import { isKioskUrl } from "../../../../display/main/kioskOrigin";
import {
  contentSecurityPolicy,
  hardenContents,
  hardenSession,
  isTrustedSender,
  secureWebPreferences,
} from "../../../../display/main/security";

type Listener = (...args: unknown[]) => unknown;

/** An Electron event as the handlers see it: records whether it was prevented. */
class FakeEvent {
  prevented = false;
  constructor(readonly url = "") {}
  preventDefault(): void {
    this.prevented = true;
  }
}

/** Records the listeners and handlers the hardening installs, and fires them as Electron would. */
class Recorder {
  readonly listeners = new Map<string, Listener[]>();
  on(event: string, listener: Listener): this {
    this.listeners.set(event, [...(this.listeners.get(event) ?? []), listener]);
    return this;
  }
  /** Fires `event` like Electron; fails when nothing listens, since then nothing was denied. */
  emit(event: string, ...args: unknown[]): void {
    const listeners = this.listeners.get(event) ?? [];
    if (listeners.length === 0) throw new Error(`nothing listens for ${event}`);
    for (const listener of listeners) listener(...args);
  }
}

/** The parts of a WebContents that hardenContents touches (Electron cannot run in unit tests). */
class FakeContents extends Recorder {
  windowOpenHandler: Listener | undefined;
  setWindowOpenHandler(handler: Listener): void {
    this.windowOpenHandler = handler;
  }
  /** What a window.open(url) from the page gets. */
  open(url: string): unknown {
    if (!this.windowOpenHandler) throw new Error("no window-open handler: Electron would allow");
    return this.windowOpenHandler({ url, frameName: "", features: "", disposition: "new-window" });
  }
  /** Whether a navigation-like `event` to `url` went ahead. */
  allows(event: string, url: string): boolean {
    const e = new FakeEvent(url);
    this.emit(event, e, url);
    return !e.prevented;
  }
}

/** The parts of a Session that hardenSession touches. */
class FakeSession extends Recorder {
  permissionRequest: Listener | undefined;
  permissionCheck: Listener | undefined;
  devicePermission: Listener | undefined;
  setPermissionRequestHandler(handler: Listener): void {
    this.permissionRequest = handler;
  }
  setPermissionCheckHandler(handler: Listener): void {
    this.permissionCheck = handler;
  }
  setDevicePermissionHandler(handler: Listener): void {
    this.devicePermission = handler;
  }
  /** The answer a page's permission request gets; none at all leaves it waiting, which fails. */
  request(permission: string): boolean {
    if (!this.permissionRequest) throw new Error("no permission handler: Electron would allow");
    const answers: unknown[] = [];
    this.permissionRequest({}, permission, (granted: unknown) => answers.push(granted), {});
    expect(answers).toHaveLength(1);
    return answers[0] === true;
  }
}

function hardenedContents(): FakeContents {
  const contents = new FakeContents();
  hardenContents(contents as unknown as WebContents);
  return contents;
}

function hardenedSession(): FakeSession {
  const session = new FakeSession();
  hardenSession(session as unknown as Session);
  return session;
}

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

describe("hardenContents: the page stays on app://kiosk", () => {
  beforeEach(() => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  const elsewhere = [
    "https://evil.example/",
    "http://127.0.0.1:8080/",
    "app://kiosk.evil/index.html",
    "file:///etc/passwd",
    "javascript:alert(1)",
  ];

  it.each(["will-navigate", "will-frame-navigate", "will-redirect"])(
    "prevents %s to any other origin",
    (event) => {
      const contents = hardenedContents();
      for (const url of elsewhere) expect([url, contents.allows(event, url)]).toEqual([url, false]);
    },
  );

  it.each(["will-navigate", "will-frame-navigate", "will-redirect"])(
    "lets %s stay within the bundled renderer",
    (event) => {
      expect(hardenedContents().allows(event, "app://kiosk/index.html#slide")).toBe(true);
    },
  );

  it("denies window.open to anywhere, its own origin included", () => {
    const contents = hardenedContents();
    for (const url of [...elsewhere, "app://kiosk/index.html"])
      expect(contents.open(url)).toEqual({ action: "deny" });
  });

  it("refuses to attach a <webview>", () => {
    const event = new FakeEvent();
    hardenedContents().emit("will-attach-webview", event, {}, {});
    expect(event.prevented).toBe(true);
  });
});

describe("hardenSession: no permission, device or download is granted", () => {
  beforeEach(() => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
  });
  afterEach(() => {
    vi.restoreAllMocks();
  });

  it.each(["media", "geolocation", "notifications", "clipboard-read", "fullscreen"])(
    "answers a %s permission request with false",
    (permission) => {
      expect(hardenedSession().request(permission)).toBe(false);
    },
  );

  it("answers permission checks and device requests with false", () => {
    const session = hardenedSession();
    expect(session.permissionCheck?.({}, "media", "app://kiosk", {})).toBe(false);
    expect(session.devicePermission?.({ deviceType: "usb", origin: "app://kiosk" })).toBe(false);
  });

  it("cancels every download", () => {
    const event = new FakeEvent();
    hardenedSession().emit("will-download", event, {}, {});
    expect(event.prevented).toBe(true);
  });
});
