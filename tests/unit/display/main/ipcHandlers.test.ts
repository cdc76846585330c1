import { afterEach, beforeEach, describe, expect, it, vi } from "vitest";
import {
  serveConfig,
  serveDeviceToken,
  type IpcHandlerRegistry,
  type TrustedInvokeEvent,
} from "../../../../display/main/ipcHandlers";
import { IpcChannels } from "../../../../display/main/ipcChannels";
import type { TokenStore } from "../../../../display/main/tokenStore";

type Listener = (event: TrustedInvokeEvent, ...args: unknown[]) => unknown;

/** Collects handlers the way ipcMain.handle does, so tests can invoke them. */
class FakeIpcMain implements IpcHandlerRegistry {
  readonly handlers = new Map<string, Listener>();
  handle(channel: string, listener: Listener): void {
    if (this.handlers.has(channel)) throw new Error(`second handler for ${channel}`);
    this.handlers.set(channel, listener);
  }
  async invoke(frameUrl: string | null, channel: string, ...args: unknown[]): Promise<unknown> {
    const listener = this.handlers.get(channel);
    if (listener === undefined) throw new Error(`no handler for ${channel}`);
    const event = { senderFrame: frameUrl === null ? null : { url: frameUrl } };
    // Like Electron, a throwing handler becomes a rejected invoke.
    return await Promise.resolve().then(() => listener(event, ...args));
  }
}

/** A token store that records calls instead of touching the disk. */
function fakeStore() {
  const calls: string[] = [];
  let stored: string | null = null;
  const store: TokenStore = {
    filePath: "/userData/device-token.bin",
    read: () => {
      calls.push("read");
      return Promise.resolve(stored);
    },
    write: (token) => {
      calls.push("write");
      stored = token;
      return Promise.resolve();
    },
    clear: () => {
      calls.push("clear");
      stored = null;
      return Promise.resolve();
    },
  };
  return { store, calls };
}

const KIOSK = "app://kiosk/index.html";

afterEach(() => {
  vi.restoreAllMocks();
});
const TOKEN = "k".repeat(43);

describe("serveDeviceToken", () => {
  let ipc = new FakeIpcMain();
  let fake = fakeStore();

  beforeEach(() => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    ipc = new FakeIpcMain();
    fake = fakeStore();
    serveDeviceToken(ipc, fake.store);
  });

  it("handles exactly the three token channels", () => {
    expect([...ipc.handlers.keys()].sort()).toEqual(
      [IpcChannels.clearToken, IpcChannels.getToken, IpcChannels.setToken].sort(),
    );
  });

  it("stores, returns and forgets the token for the kiosk renderer", async () => {
    await expect(ipc.invoke(KIOSK, IpcChannels.getToken)).resolves.toBeNull();
    await expect(ipc.invoke(KIOSK, IpcChannels.setToken, TOKEN)).resolves.toBeUndefined();
    await expect(ipc.invoke(KIOSK, IpcChannels.getToken)).resolves.toBe(TOKEN);
    await expect(ipc.invoke(KIOSK, IpcChannels.clearToken)).resolves.toBeUndefined();
    await expect(ipc.invoke(KIOSK, IpcChannels.getToken)).resolves.toBeNull();
    expect(fake.calls).toEqual(["read", "write", "read", "clear", "read"]);
  });

  it.each([
    ["another site", "https://evil.example/"],
    ["a file page", "file:///etc/passwd"],
    ["a look-alike host", "app://kiosk.evil/index.html"],
    ["a destroyed frame", null],
  ])("refuses %s on every token channel", async (_what, frameUrl) => {
    await expect(ipc.invoke(frameUrl, IpcChannels.getToken)).rejects.toThrow("refused");
    await expect(ipc.invoke(frameUrl, IpcChannels.setToken, TOKEN)).rejects.toThrow("refused");
    await expect(ipc.invoke(frameUrl, IpcChannels.clearToken)).rejects.toThrow("refused");
    expect(fake.calls).toEqual([]);
  });

  it.each([
    ["no token", []],
    ["a number", [42]],
    ["an object", [{ token: TOKEN }]],
    ["two arguments", [TOKEN, TOKEN]],
    ["a short token", ["k".repeat(31)]],
    ["a long token", ["k".repeat(201)]],
    ["a token with padding", [`${"k".repeat(40)}==`]],
  ])("refuses token:set with %s, without echoing it", async (_what, args) => {
    await expect(ipc.invoke(KIOSK, IpcChannels.setToken, ...args)).rejects.toSatisfy(
      (error: unknown) =>
        error instanceof Error &&
        error.message.includes("invalid arguments") &&
        !error.message.includes("kkkk"),
    );
    expect(fake.calls).toEqual([]);
  });

  it("empties the HTTP cache once the token is forgotten, and only on unpairing", async () => {
    const own = new FakeIpcMain();
    const store = fakeStore();
    serveDeviceToken(own, store.store, () => {
      store.calls.push("forget HTTP cache");
      return Promise.resolve();
    });
    await own.invoke(KIOSK, IpcChannels.setToken, TOKEN);
    await own.invoke(KIOSK, IpcChannels.getToken);
    expect(store.calls).toEqual(["write", "read"]);
    await expect(own.invoke(KIOSK, IpcChannels.clearToken)).resolves.toBeUndefined();
    expect(store.calls).toEqual(["write", "read", "clear", "forget HTTP cache"]);
    // Another sender unpairs nothing and empties nothing.
    await expect(own.invoke("https://evil.example/", IpcChannels.clearToken)).rejects.toThrow(
      "refused",
    );
    expect(store.calls).toHaveLength(4);
  });

  it("still unpairs when the HTTP cache cannot be emptied, and says so", async () => {
    const warn = vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const own = new FakeIpcMain();
    const store = fakeStore();
    serveDeviceToken(own, store.store, () => Promise.reject(new Error("disk busy")));
    await own.invoke(KIOSK, IpcChannels.setToken, TOKEN);
    await expect(own.invoke(KIOSK, IpcChannels.clearToken)).resolves.toBeUndefined();
    await expect(own.invoke(KIOSK, IpcChannels.getToken)).resolves.toBeNull();
    expect(warn).toHaveBeenCalledWith(expect.stringContaining("disk busy"));
  });

  it("refuses arguments on token:get and token:clear", async () => {
    await expect(ipc.invoke(KIOSK, IpcChannels.getToken, "x")).rejects.toThrow("invalid");
    await expect(ipc.invoke(KIOSK, IpcChannels.clearToken, undefined)).rejects.toThrow("invalid");
    expect(fake.calls).toEqual([]);
  });
});

describe("serveConfig", () => {
  it("answers the kiosk renderer only, and takes no arguments", async () => {
    vi.spyOn(console, "warn").mockImplementation(() => undefined);
    const ipc = new FakeIpcMain();
    const config = { serverUrl: "https://signage.example.gov" };
    serveConfig(ipc, config);
    await expect(ipc.invoke(KIOSK, IpcChannels.getConfig)).resolves.toEqual(config);
    await expect(ipc.invoke("https://evil.example/", IpcChannels.getConfig)).rejects.toThrow(
      "refused",
    );
    await expect(ipc.invoke(KIOSK, IpcChannels.getConfig, 1)).rejects.toThrow("invalid");
  });
});
