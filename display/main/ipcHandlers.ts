// The main process's IPC handlers. Every one checks the sender and parses its arguments with zod
// before doing anything; ipcMain is passed in so this module loads under plain Node.
import { z } from "zod";
import type { KioskConfig } from "../../shared/schemas/kioskConfig";
import { DeviceTokenSchema } from "./deviceToken";
import { IpcChannels } from "./ipcChannels";
import type { IpcChannel } from "./ipcChannels";
import { capturePng, type CapturableContents } from "./screenCapture";
import { isTrustedSender } from "./security";
import type { TokenStore } from "./tokenStore";

/** The part of Electron's IpcMainInvokeEvent the handlers read. */
export interface TrustedInvokeEvent {
  /** The frame that sent the message; null once it is gone. */
  readonly senderFrame: { readonly url: string } | null;
}

/** Electron's ipcMain as the handlers use it. */
export interface IpcHandlerRegistry {
  /** Registers the handler of an invoke channel. */
  handle(
    channel: string,
    listener: (event: TrustedInvokeEvent, ...args: unknown[]) => unknown,
  ): void;
}

const NoArguments = z.tuple([]);
const SetTokenArguments = z.tuple([DeviceTokenSchema]);

/**
 * Handles `channel` for the kiosk renderer only: other senders and arguments that fail
 * argsSchema are refused with an error that never echoes the arguments (they may be a token).
 */
export function handleTrusted<Args extends unknown[]>(
  ipcMain: IpcHandlerRegistry,
  channel: IpcChannel,
  argsSchema: z.ZodType<Args>,
  handler: (...args: Args) => unknown,
): void {
  ipcMain.handle(channel, (event, ...args) => {
    const frameUrl = event.senderFrame?.url;
    if (!isTrustedSender(frameUrl)) {
      const sender = frameUrl ?? "a destroyed frame";
      console.warn(`[ipc] refused ${channel} from ${sender}`);
      throw new Error(`${channel} refused for ${sender}`);
    }
    const parsed = argsSchema.safeParse(args);
    if (!parsed.success) throw new Error(`${channel} was called with invalid arguments.`);
    return handler(...parsed.data);
  });
}

/** Answers config:get with the kiosk's settings. */
export function serveConfig(ipcMain: IpcHandlerRegistry, config: KioskConfig): void {
  handleTrusted(ipcMain, IpcChannels.getConfig, NoArguments, () => config);
}

/**
 * Answers token:get, token:set and token:clear from the token store. An unpairing (token:clear)
 * also empties the browser's HTTP cache (`forgetHttpCache`), so nothing of the old district is
 * left there; that step failing is logged, never a failed unpairing.
 */
export function serveDeviceToken(
  ipcMain: IpcHandlerRegistry,
  store: TokenStore,
  forgetHttpCache: () => Promise<void> = () => Promise.resolve(),
): void {
  handleTrusted(ipcMain, IpcChannels.getToken, NoArguments, () => store.read());
  handleTrusted(ipcMain, IpcChannels.setToken, SetTokenArguments, (token) => store.write(token));
  handleTrusted(ipcMain, IpcChannels.clearToken, NoArguments, async () => {
    await store.clear();
    try {
      await forgetHttpCache();
    } catch (error) {
      const reason = error instanceof Error ? error.message : String(error);
      console.warn(`[kiosk] HTTP cache not cleared after unpairing: ${reason}`);
    }
  });
}

/**
 * Answers screen:capture with a PNG of the kiosk window (`contents()`: its webContents, undefined
 * once closed), for a screenshot the console asked for. Takes no arguments from the page.
 */
export function serveScreenCapture(
  ipcMain: IpcHandlerRegistry,
  contents: () => CapturableContents | undefined,
): void {
  handleTrusted(ipcMain, IpcChannels.captureScreen, NoArguments, () => capturePng(contents()));
}
