import { afterEach, describe, expect, it, vi } from "vitest";
import {
  serveScreenCapture,
  type IpcHandlerRegistry,
  type TrustedInvokeEvent,
} from "../../../../display/main/ipcHandlers";
import { IpcChannels } from "../../../../display/main/ipcChannels";
import {
  CAPTURE_MAX_WIDTH,
  capturePng,
  type CapturableContents,
  type CapturedImage,
} from "../../../../display/main/screenCapture";

type Listener = (event: TrustedInvokeEvent, ...args: unknown[]) => unknown;

/** Collects handlers the way ipcMain.handle does, so tests can invoke them. */
class FakeIpcMain implements IpcHandlerRegistry {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    this.handlers.set(channel, listener);
  }
  async invoke(frameUrl: string | null, channel: string, ...args: unknown[]): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (listener === undefined) throw new Error(`no handler for ${channel}`);
    const event = { senderFrame: frameUrl === null ? null : { url: frameUrl } };
    return await Promise.resolve().then(() => listener(event, ...args));
  }
}

/** A NativeImage stand-in of a size; its PNG names the size it was encoded at. */
function fakeImage(
  width: number,
  height: number,
  empty = false,
): CapturedImage & { resizedTo: number[] } {
  const resizedTo: number[] = [];
  return {
    resizedTo,
    isEmpty: () => empty,
    getSize: () => ({ width, height }),
    resize: (o) => {
      resizedTo.push(o.width ?? 0);
      const w = o.width ?? width;
      return fakeImage(w, Math.round((height * w) / width));
    },
    toPNG: () => Buffer.from(`png ${String(width)}x${String(height)}`),
  };
}

function fakeContents(
  image: CapturedImage,
  destroyed = false,
): CapturableContents & { captures: number } {
  const contents = {
    captures: 0,
    isDestroyed: () => destroyed,
    capturePage: () => {
      contents.captures += 1;
      return Promise.resolve(image);
    },
  };
  return contents;
}

const KIOSK = "app://kiosk/index.html";

afterEach(() => {
  vi.restoreAllMocks();
});

describe("capturePng (the kiosk window as a PNG)", () => {
  it("returns the window's PNG as it is at 1080p and 4K", async () => {
    expect((await capturePng(fakeContents(fakeImage(1920, 1080)))).toString()).toBe(
      "png 1920x1080",
    );
    expect((await capturePng(fakeContents(fakeImage(3840, 2160)))).toString()).toBe(
      "png 3840x2160",
    );
  });

  it("scales a wider window down to the largest width it sends", async () => {
    const image = fakeImage(7680, 4320);
    expect((await capturePng(fakeContents(image))).toString()).toBe(
      `png ${String(CAPTURE_MAX_WIDTH)}x2160`,
    );
    expect(image.resizedTo).toEqual([CAPTURE_MAX_WIDTH]);
  });

  it("says why when there is no window or nothing was drawn, and captures nothing of a closed one", async () => {
    await expect(capturePng(undefined)).rejects.toThrow("The kiosk window is not open.");
    const closed = fakeContents(fakeImage(10, 10), true);
    await expect(capturePng(closed)).rejects.toThrow("The kiosk window is not open.");
    expect(closed.captures).toBe(0);
    await expect(capturePng(fakeContents(fakeImage(0, 0, true)))).rejects.toThrow(
      "The kiosk window gave an empty picture.",
    );
  });
});

describe("serveScreenCapture (screen:capture)", () => {
  it("answers the kiosk page with the window's PNG and takes no arguments", async () => {
    const ipc = new FakeIpcMain();
    const contents = fakeContents(fakeImage(1280, 720));
    serveScreenCapture(ipc, () => contents);
    const reply = await ipc.invoke(KIOSK, IpcChannels.captureScreen);
    expect(Buffer.isBuffer(reply) && reply.toString()).toBe("png 1280x720");
    await expect(ipc.invoke(KIOSK, IpcChannels.captureScreen, "extra")).rejects.toThrow(
      /invalid arguments/,
    );
    expect(contents.captures).toBe(1);
  });

  it("refuses any other page: nothing is captured for it", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const ipc = new FakeIpcMain();
    const contents = fakeContents(fakeImage(1280, 720));
    serveScreenCapture(ipc, () => contents);
    await expect(ipc.invoke("https://evil.example/", IpcChannels.captureScreen)).rejects.toThrow(
      /refused/,
    );
    await expect(ipc.invoke(null, IpcChannels.captureScreen)).rejects.toThrow(/refused/);
    expect(contents.captures).toBe(0);
  });
});
