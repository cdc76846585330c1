// Entry of the Electron kiosk shell: wires Electron's modules into the small modules beside it.
import { readFile } from "node:fs/promises";
import path from "node:path";
import {
  app,
  BrowserWindow,
  dialog,
  ipcMain,
  Menu,
  net,
  powerSaveBlocker,
  protocol,
  safeStorage,
  session,
} from "electron";
import { registerAppProtocol, registerAppScheme } from "./appProtocol";
import { APP_VERSION_SWITCH, formatSwitch } from "./commandLine";
import { serveConfig, serveDeviceToken, serveScreenCapture } from "./ipcHandlers";
import { loadKioskConfig } from "./kioskConfig";
import { createKioskWindow } from "./kioskWindow";
import { loadNightlyReload, scheduleNightlyReload } from "./nightlyReload";
import { safeStorageCrypto } from "./safeStorageCrypto";
import { hardenContents, hardenSession } from "./security";
import { createTokenStore } from "./tokenStore";
import { loadUpdateChannel } from "./kioskUpdates";
import { startElectronUpdates } from "./updater";

/** Where the bundled renderer and preload sit relative to this bundle (dist/electron/main). */
function bundlePaths(bundleDir: string): { rendererDir: string; preloadPath: string } {
  return {
    rendererDir: path.join(bundleDir, "../../display"),
    preloadPath: path.join(bundleDir, "../preload/index.cjs"),
  };
}

async function readConfigFile(filePath: string): Promise<string | undefined> {
  try {
    return await readFile(filePath, "utf8");
  } catch (error) {
    if (error instanceof Error && "code" in error && error.code === "ENOENT") return undefined;
    throw error;
  }
}

function fail(sentence: string): void {
  console.error(`[kiosk] ${sentence}`);
  dialog.showErrorBox("Civic Signage Kiosk cannot start", sentence);
  app.exit(1);
}

async function start(): Promise<void> {
  const { rendererDir, preloadPath } = bundlePaths(__dirname);
  const userData = app.getPath("userData");
  const filePath = path.join(userData, "kiosk.json");

  let fileText: string | undefined;
  try {
    fileText = await readConfigFile(filePath);
  } catch (error) {
    fail(
      `${filePath} could not be read: ${error instanceof Error ? error.message : String(error)}.`,
    );
    return;
  }
  const result = loadKioskConfig({ argv: process.argv, env: process.env, fileText, filePath });
  if (!result.ok) {
    fail(result.error);
    return;
  }
  const nightly = loadNightlyReload(process.argv, process.env);
  if (!nightly.ok) {
    fail(nightly.error);
    return;
  }
  const updates = loadUpdateChannel(process.argv, process.env);
  if (!updates.ok) {
    fail(updates.error);
    return;
  }
  console.info(
    `[kiosk] version ${app.getVersion()}, server ${result.config.serverUrl}, nightly reload ${
      nightly.at ? `${nightly.at.hour}:${String(nightly.at.minute).padStart(2, "0")}` : "off"
    }`,
  );

  // No menu means no reload, zoom or DevTools accelerators on a public screen.
  Menu.setApplicationMenu(null);
  hardenSession(session.defaultSession);
  // The renderer fetches content with cache: "no-store"; the HTTP cache is still emptied at each
  // start and each unpairing, for copies older kiosk versions left there (no takedown reaches it).
  const forgetHttpCache = () => session.defaultSession.clearCache();
  await forgetHttpCache().catch((error: unknown) => {
    console.warn(
      `[kiosk] HTTP cache not cleared: ${error instanceof Error ? error.message : String(error)}`,
    );
  });
  registerAppProtocol(rendererDir, result.config.serverUrl, { protocol, net });
  serveConfig(ipcMain, result.config);
  // safeStorage only works after 'ready'; start() runs then, and the crypto asks it per call.
  const tokens = createTokenStore({
    dir: userData,
    crypto: safeStorageCrypto(safeStorage, process.platform),
  });
  serveDeviceToken(ipcMain, tokens, forgetHttpCache);
  const win = createKioskWindow(
    { BrowserWindow, powerSaveBlocker },
    {
      preloadPath,
      devTools: !app.isPackaged,
      additionalArguments: [formatSwitch(APP_VERSION_SWITCH, app.getVersion())],
    },
  );
  // A screenshot the console asked for: the window as it shows now.
  serveScreenCapture(ipcMain, () => (win.isDestroyed() ? undefined : win.webContents));
  // App updates from the server's feed, with the device token; an unpackaged shell has none.
  if (updates.channel !== null && app.isPackaged) {
    const stopUpdates = startElectronUpdates({
      serverUrl: result.config.serverUrl,
      channel: updates.channel,
      deviceToken: async () => (await tokens.read()) ?? null,
      quietTime: nightly.at,
      log: console,
    });
    win.on("closed", stopUpdates);
  }
  if (nightly.at) {
    const stop = scheduleNightlyReload(nightly.at, () => {
      console.info("[kiosk] nightly reload");
      win.webContents.reload();
    });
    win.on("closed", stop);
  }
}

if (!app.requestSingleInstanceLock()) {
  console.warn("[kiosk] another kiosk instance is running; exiting");
  app.quit();
} else {
  if (process.env["SIGNAGE_DISABLE_GPU"] === "1") app.disableHardwareAcceleration();
  registerAppScheme(protocol);
  app.on("web-contents-created", (_event, contents) => hardenContents(contents));
  app.on("second-instance", () => {
    BrowserWindow.getAllWindows()[0]?.focus();
  });
  app.on("window-all-closed", () => app.quit());
  app
    .whenReady()
    .then(start)
    .catch((error: unknown) => {
      fail(`The kiosk failed to start: ${error instanceof Error ? error.message : String(error)}.`);
    });
}
