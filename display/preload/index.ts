// The kiosk's only bridge into the page: exactly the KioskApi, nothing generic.
// Sandboxed preloads may require only "electron", so display/build.mjs bundles this file.
import { contextBridge, ipcRenderer } from "electron";
import { z } from "zod";
import { KioskConfigSchema } from "../../shared/schemas/kioskConfig";
import type { KioskConfig } from "../../shared/schemas/kioskConfig";
import type { KioskApi } from "../kioskApi";
import { APP_VERSION_SWITCH, switchValue } from "../main/commandLine";
import { DeviceTokenSchema } from "../main/deviceToken";
import { IpcChannels } from "../main/ipcChannels";

// The CSP forbids eval; without this zod probes `new Function` and the page logs a CSP violation.
z.config({ jitless: true });

const StoredTokenSchema = DeviceTokenSchema.nullable();
/** A PNG of a 4K window is a few MB; anything far beyond is not a capture. */
const CAPTURE_MAX_BYTES = 64 * 1024 * 1024;
const NoReplySchema = z.undefined();

// Main is trusted, but its replies cross a process boundary like any other input.
function expectNoReply(reply: unknown, channel: string): void {
  if (!NoReplySchema.safeParse(reply).success) {
    throw new Error(`The kiosk shell answered ${channel} unexpectedly.`);
  }
}

const kiosk: KioskApi = {
  async getConfig(): Promise<KioskConfig> {
    const reply: unknown = await ipcRenderer.invoke(IpcChannels.getConfig);
    const parsed = KioskConfigSchema.safeParse(reply);
    if (!parsed.success) throw new Error("The kiosk shell returned an invalid configuration.");
    return parsed.data;
  },
  appVersion: switchValue(process.argv, APP_VERSION_SWITCH) ?? "unknown",
  async getToken(): Promise<string | null> {
    const reply: unknown = await ipcRenderer.invoke(IpcChannels.getToken);
    const parsed = StoredTokenSchema.safeParse(reply);
    if (!parsed.success) throw new Error("The kiosk shell returned an invalid device token.");
    return parsed.data;
  },
  async setToken(token: string): Promise<void> {
    // The main process validates the token; the page gets its refusal as a rejection.
    const reply: unknown = await ipcRenderer.invoke(IpcChannels.setToken, token);
    expectNoReply(reply, IpcChannels.setToken);
  },
  async clearToken(): Promise<void> {
    const reply: unknown = await ipcRenderer.invoke(IpcChannels.clearToken);
    expectNoReply(reply, IpcChannels.clearToken);
  },
  async captureScreen(): Promise<Uint8Array<ArrayBuffer>> {
    const reply: unknown = await ipcRenderer.invoke(IpcChannels.captureScreen);
    if (!(reply instanceof Uint8Array) || reply.length === 0 || reply.length > CAPTURE_MAX_BYTES)
      throw new Error("The kiosk shell returned no usable picture.");
    return new Uint8Array(reply);
  },
};

contextBridge.exposeInMainWorld("kiosk", kiosk);
