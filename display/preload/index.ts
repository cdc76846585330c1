// The kiosk's only bridge into the page: exactly the KioskApi, nothing generic.
// Sandboxed preloads may require only "electron", so display/build.mjs bundles this file.
import { contextBridge, ipcRenderer } from "electron";
import { z } from "zod";
import { KioskConfigSchema } from "../../shared/schemas/kioskConfig";
import type { KioskConfig } from "../../shared/schemas/kioskConfig";
import type { KioskApi } from "../kioskApi";
import { APP_VERSION_SWITCH, switchValue } from "../main/commandLine";
import { IpcChannels } from "../main/ipcChannels";

// The CSP forbids eval; without this zod probes `new Function` and the page logs a CSP violation.
z.config({ jitless: true });

const kiosk: KioskApi = {
  async getConfig(): Promise<KioskConfig> {
    const reply: unknown = await ipcRenderer.invoke(IpcChannels.getConfig);
    const parsed = KioskConfigSchema.safeParse(reply);
    if (!parsed.success) throw new Error("The kiosk shell returned an invalid configuration.");
    return parsed.data;
  },
  appVersion: switchValue(process.argv, APP_VERSION_SWITCH) ?? "unknown",
};

contextBridge.exposeInMainWorld("kiosk", kiosk);
