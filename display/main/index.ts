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
  session,
} from "electron";
import type { IpcMainInvokeEvent } from "electron";
import type { KioskConfig } from "../../shared/schemas/kioskConfig";
import { registerAppProtocol, registerAppScheme } from "./appProtocol";
import { APP_VERSION_SWITCH, formatSwitch } from "./commandLine";
import { IpcChannels } from "./ipcChannels";
import { loadKioskConfig } from "./kioskConfig";
import { createKioskWindow } from "./kioskWindow";
import { hardenContents, hardenSession, isTrustedSender } from "./security";

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

function serveConfig(config: KioskConfig): void {
  ipcMain.handle(IpcChannels.getConfig, (event: IpcMainInvokeEvent, ...args: unknown[]) => {
    const frameUrl = event.senderFrame?.url;
    if (!isTrustedSender(frameUrl)) {
      throw new Error(`${IpcChannels.getConfig} refused for ${frameUrl ?? "a destroyed frame"}`);
    }
    if (args.length !== 0) throw new Error(`${IpcChannels.getConfig} takes no arguments`);
    return config;
  });
}

async function start(): Promise<void> {
  const { rendererDir, preloadPath } = bundlePaths(__dirname);
  const filePath = path.join(app.getPath("userData"), "kiosk.json");

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
  console.info(`[kiosk] version ${app.getVersion()}, server ${result.config.serverUrl}`);

  // No menu means no reload, zoom or DevTools accelerators on a public screen.
  Menu.setApplicationMenu(null);
  hardenSession(session.defaultSession);
  registerAppProtocol(rendererDir, result.config.serverUrl, { protocol, net });
  serveConfig(result.config);
  createKioskWindow(
    { BrowserWindow, powerSaveBlocker },
    {
      preloadPath,
      devTools: !app.isPackaged,
      additionalArguments: [formatSwitch(APP_VERSION_SWITCH, app.getVersion())],
    },
  );
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
