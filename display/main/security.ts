// Every Electron security setting of the kiosk shell lives here, deny by default, and none is
// relaxed for tests. Checklist: https://www.electronjs.org/docs/latest/tutorial/security
import type { Session, WebContents, WebPreferences } from "electron";
import { isKioskUrl } from "./kioskOrigin";

/** Options of {@link secureWebPreferences}; nothing here can weaken isolation. */
export interface SecureWebPreferencesOptions {
  /** Allow DevTools (development only; off unless the caller passes true). */
  readonly devTools?: boolean;
  /** Extra `--switch=value` strings appended to the renderer's process.argv for the preload. */
  readonly additionalArguments?: readonly string[];
}

/** The webPreferences of every kiosk window: isolated, sandboxed, no Node in the page. */
export function secureWebPreferences(
  preloadPath: string,
  { devTools = false, additionalArguments = [] }: SecureWebPreferencesOptions = {},
): WebPreferences {
  return {
    preload: preloadPath,
    contextIsolation: true,
    sandbox: true,
    nodeIntegration: false,
    nodeIntegrationInWorker: false,
    nodeIntegrationInSubFrames: false,
    webSecurity: true,
    allowRunningInsecureContent: false,
    webviewTag: false,
    experimentalFeatures: false,
    navigateOnDragDrop: false,
    enableWebSQL: false,
    // A blocking alert() would freeze an unattended street screen.
    disableDialogs: true,
    spellcheck: false,
    devTools,
    additionalArguments: [...additionalArguments],
  };
}

/** Denies every permission, device, and download request of a session. */
export function hardenSession(session: Session): void {
  session.setPermissionRequestHandler((_contents, permission, callback) => {
    console.warn(`[security] denied permission request: ${permission}`);
    callback(false);
  });
  session.setPermissionCheckHandler(() => false);
  session.setDevicePermissionHandler(() => false);
  session.on("will-download", (event) => {
    console.warn("[security] denied a download");
    event.preventDefault();
  });
}

/** Keeps a web contents on app://kiosk: no navigation elsewhere, no new windows, no webviews. */
export function hardenContents(contents: WebContents): void {
  contents.on("will-navigate", (event) => {
    if (isKioskUrl(event.url)) return;
    console.warn(`[security] blocked navigation to ${event.url}`);
    event.preventDefault();
  });
  contents.on("will-frame-navigate", (event) => {
    if (isKioskUrl(event.url)) return;
    console.warn(`[security] blocked frame navigation to ${event.url}`);
    event.preventDefault();
  });
  contents.on("will-redirect", (event) => {
    if (isKioskUrl(event.url)) return;
    console.warn(`[security] blocked redirect to ${event.url}`);
    event.preventDefault();
  });
  contents.setWindowOpenHandler(({ url }) => {
    console.warn(`[security] blocked window.open of ${url}`);
    return { action: "deny" };
  });
  contents.on("will-attach-webview", (event) => {
    console.warn("[security] blocked a <webview>");
    event.preventDefault();
  });
}

/** Whether an IPC message comes from the kiosk renderer's own frame (pass event.senderFrame?.url). */
export function isTrustedSender(frameUrl: string | undefined): boolean {
  return frameUrl !== undefined && isKioskUrl(frameUrl);
}

const SOCKET_PROTOCOLS: ReadonlyMap<string, string> = new Map([
  ["http:", "ws:"],
  ["https:", "wss:"],
]);

/** The Content-Security-Policy of the bundled renderer: its own files plus the signage server. */
export function contentSecurityPolicy(serverUrl: string): string {
  const server = new URL(serverUrl);
  const socketProtocol = SOCKET_PROTOCOLS.get(server.protocol);
  if (socketProtocol === undefined) {
    throw new Error(`The server URL "${serverUrl}" must use http or https.`);
  }
  const origin = server.origin;
  const socketOrigin = `${socketProtocol}//${server.host}`;
  return [
    "default-src 'self'",
    "script-src 'self'",
    // `style` props render as inline style attributes; inline scripts stay forbidden.
    "style-src 'self' 'unsafe-inline'",
    `img-src 'self' data: blob: ${origin}`,
    "font-src 'self' data:",
    `connect-src 'self' ${origin} ${socketOrigin}`,
    "object-src 'none'",
    "base-uri 'none'",
    "form-action 'none'",
    "frame-ancestors 'none'",
  ].join("; ");
}
