import { stat } from "node:fs/promises";
import path from "node:path";
import { pathToFileURL } from "node:url";
import type { Net, Protocol } from "electron";
import { KIOSK_HOST, KIOSK_ORIGIN, KIOSK_SCHEME } from "./kioskOrigin";
import { contentSecurityPolicy } from "./security";

/** The Electron APIs the app:// protocol needs, passed in so this module loads under plain Node. */
export interface AppProtocolDeps {
  /** Electron's `protocol` module. */
  readonly protocol: Pick<Protocol, "handle">;
  /** Electron's `net` module, used to read files through Chromium's file loader. */
  readonly net: Pick<Net, "fetch">;
}

/** Registers app:// as a standard, secure, fetch-capable scheme; call before the app is ready. */
export function registerAppScheme(protocol: Pick<Protocol, "registerSchemesAsPrivileged">): void {
  protocol.registerSchemesAsPrivileged([
    {
      scheme: KIOSK_SCHEME,
      privileges: { standard: true, secure: true, supportFetchAPI: true },
    },
  ]);
}

/**
 * Maps `app://kiosk/<path>` to a file under rootDir (`/` → index.html), or null for another
 * host, a traversal attempt (`..`, `%2e%2e`, backslash, NUL, encoded slash), a directory-like
 * path, or anything that would land outside rootDir.
 */
export function resolveAppPath(rootDir: string, requestUrl: string): string | null {
  let url: URL;
  try {
    url = new URL(requestUrl);
  } catch {
    return null;
  }
  if (url.protocol !== `${KIOSK_SCHEME}:` || url.host !== KIOSK_HOST) return null;
  if (url.username !== "" || url.password !== "") return null;
  if (!requestUrl.startsWith(KIOSK_ORIGIN)) return null;

  // Work on the raw path: URL parsing would quietly fold "../" and "%2e%2e/" into a different
  // path, and a request that tries traversal gets nothing rather than some other file.
  const rawPath = requestUrl.slice(KIOSK_ORIGIN.length).split(/[?#]/, 1)[0] ?? "";
  if (rawPath === "" || rawPath === "/") return path.resolve(rootDir, "index.html");
  if (!rawPath.startsWith("/")) return null;

  const segments: string[] = [];
  for (const encoded of rawPath.slice(1).split("/")) {
    let segment: string;
    try {
      segment = decodeURIComponent(encoded);
    } catch {
      return null;
    }
    if (segment === "" || segment === "." || segment === "..") return null;
    if (/[\\/\0]/.test(segment)) return null;
    segments.push(segment);
  }

  const root = path.resolve(rootDir);
  const file = path.resolve(root, ...segments);
  const relative = path.relative(root, file);
  if (relative === "" || relative.startsWith("..") || path.isAbsolute(relative)) return null;
  return file;
}

// Module scripts are refused without a JavaScript MIME type, so the type is never left to sniffing.
const CONTENT_TYPES: ReadonlyMap<string, string> = new Map([
  [".html", "text/html; charset=utf-8"],
  [".js", "text/javascript; charset=utf-8"],
  [".mjs", "text/javascript; charset=utf-8"],
  [".css", "text/css; charset=utf-8"],
  [".json", "application/json"],
  [".map", "application/json"],
  [".txt", "text/plain; charset=utf-8"],
  [".svg", "image/svg+xml"],
  [".png", "image/png"],
  [".jpg", "image/jpeg"],
  [".jpeg", "image/jpeg"],
  [".webp", "image/webp"],
  [".avif", "image/avif"],
  [".gif", "image/gif"],
  [".ico", "image/x-icon"],
  [".woff", "font/woff"],
  [".woff2", "font/woff2"],
  [".ttf", "font/ttf"],
  [".otf", "font/otf"],
  [".wasm", "application/wasm"],
]);

function plainResponse(status: number, text: string): Response {
  return new Response(text, {
    status,
    headers: { "Content-Type": "text/plain; charset=utf-8", "X-Content-Type-Options": "nosniff" },
  });
}

async function isFile(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch {
    return false;
  }
}

/** Serves the built renderer in rootDir on app://kiosk/, every response carrying the kiosk CSP. */
export function registerAppProtocol(
  rootDir: string,
  serverUrl: string,
  { protocol, net }: AppProtocolDeps,
): void {
  const csp = contentSecurityPolicy(serverUrl);
  protocol.handle(KIOSK_SCHEME, async (request) => {
    if (request.method !== "GET" && request.method !== "HEAD") {
      return plainResponse(405, "Method not allowed");
    }
    const file = resolveAppPath(rootDir, request.url);
    if (file === null || !(await isFile(file))) {
      console.warn(`[app-protocol] 404 ${request.url}`);
      return plainResponse(404, "Not found");
    }
    let fetched: Response;
    try {
      fetched = await net.fetch(pathToFileURL(file).toString());
    } catch (error) {
      console.error(`[app-protocol] could not read ${file}`, error);
      return plainResponse(404, "Not found");
    }
    const headers = new Headers(fetched.headers);
    const contentType = CONTENT_TYPES.get(path.extname(file).toLowerCase());
    if (contentType !== undefined) headers.set("Content-Type", contentType);
    headers.set("Content-Security-Policy", csp);
    headers.set("X-Content-Type-Options", "nosniff");
    if (request.method === "HEAD") await fetched.body?.cancel();
    return new Response(request.method === "HEAD" ? null : fetched.body, {
      status: fetched.status,
      statusText: fetched.statusText,
      headers,
    });
  });
}
