import { readFile } from "node:fs/promises";
import { createServer, type Server } from "node:http";
import type { AddressInfo } from "node:net";
import { extname, join, normalize } from "node:path";
import type { BrowserContext } from "playwright-core";
import { contentSecurityPolicy } from "../../display/main/security";
import { defaultWebRoot } from "../../server/app";

const types: Record<string, string> = {
  ".html": "text/html; charset=utf-8",
  ".js": "text/javascript; charset=utf-8",
  ".css": "text/css; charset=utf-8",
  ".woff2": "font/woff2",
  ".woff": "font/woff",
};

/** A static server of the built renderer, apart from the signage server. */
export interface KioskBundleServer {
  url: string;
  close(): Promise<void>;
}

/**
 * Serves dist/display from its own origin with the CSP the Electron shell's app:// protocol
 * sets, as the installed kiosk loads its bundled files: the renderer stays loadable while
 * the signage server is down.
 */
export async function startKioskBundleServer(signageUrl: string): Promise<KioskBundleServer> {
  const root = join(defaultWebRoot, "display");
  const csp = contentSecurityPolicy(signageUrl);
  const server: Server = createServer((req, res) => {
    const path = new URL(req.url ?? "/", "http://bundle").pathname;
    const file = normalize(join(root, path === "/" ? "index.html" : path));
    if (!file.startsWith(root)) {
      res.writeHead(404).end();
      return;
    }
    readFile(file).then(
      (body) => {
        res.writeHead(200, {
          "Content-Type": types[extname(file)] ?? "application/octet-stream",
          "Content-Security-Policy": csp,
          "Cache-Control": "no-store",
        });
        res.end(body);
      },
      () => res.writeHead(404).end(),
    );
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}/`,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

/**
 * Gives pages of a browser context the `window.kiosk` API the Electron preload exposes (the
 * one boundary that cannot run here): the server URL from the shell's config, the token in
 * localStorage where the shell would use safeStorage.
 */
export async function emulateKioskShell(context: BrowserContext, serverUrl: string): Promise<void> {
  await context.addInitScript((url: string) => {
    const key = "e2e.shellToken";
    Object.defineProperty(window, "kiosk", {
      value: Object.freeze({
        appVersion: "e2e-shell",
        getConfig: () => Promise.resolve({ serverUrl: url }),
        getToken: () => Promise.resolve(localStorage.getItem(key)),
        setToken: (t: string) => Promise.resolve(localStorage.setItem(key, t)),
        clearToken: () => Promise.resolve(localStorage.removeItem(key)),
      }),
    });
  }, serverUrl);
}
