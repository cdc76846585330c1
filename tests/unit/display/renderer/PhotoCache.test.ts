import { describe, expect, it, vi } from "vitest";
import { PhotoCache, type PhotoVault } from "../../../../display/renderer/src/PhotoCache";
import { photoRef } from "./screenEntryFactory";

interface FakeImage {
  url: string;
  removed: boolean;
}

/** A PhotoCache over a fake server: `answer` decides each response; everything is recorded. */
function harness(
  answer: (hash: string) => Response | Promise<Response>,
  durable: { vault?: PhotoVault; online?: () => boolean } = {},
) {
  const requests: { url: string; authorization: string | null }[] = [];
  /** The `cache` mode of each request, in order. */
  const cacheModes: (RequestCache | undefined)[] = [];
  const revoked: string[] = [];
  const ready: string[] = [];
  const warnings: string[] = [];
  /** The bytes behind each object URL made. */
  const blobs = new Map<string, Blob>();
  let urls = 0;
  let token: string | null = "device-token-0123456789abcdef";
  const cache = new PhotoCache({
    serverUrl: "https://signage.example/",
    token: () => token,
    fetch: (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      requests.push({ url, authorization: new Headers(init?.headers).get("Authorization") });
      cacheModes.push(init?.cache);
      const hash = url.slice(url.lastIndexOf("/") + 1);
      return Promise.resolve(answer(hash));
    },
    createObjectURL: (blob) => {
      const url = `blob:photo-${++urls}`;
      blobs.set(url, blob);
      return url;
    },
    revokeObjectURL: (url) => revoked.push(url),
    decodeImage: (url) => {
      const img: FakeImage = { url, removed: false };
      return Promise.resolve(
        Object.assign(img, {
          remove: () => (img.removed = true),
          removeAttribute: () => undefined,
        }) as unknown as HTMLImageElement,
      );
    },
    onReady: (hash) => ready.push(hash),
    warn: (message) => warnings.push(message),
    ...durable,
  });
  return {
    cache,
    requests,
    cacheModes,
    revoked,
    ready,
    warnings,
    /** The bytes a ready photo was decoded from, as text. */
    shownBytes: async (hash: string): Promise<string | null> => {
      const s = cache.status(hash);
      if (s.state !== "ready") return null;
      return (await blobs.get((s.img as unknown as FakeImage).url)?.text()) ?? null;
    },
    setToken: (t: string | null) => (token = t),
    settle: async (hash: string) => {
      const s = cache.status(hash);
      if (s.state === "loading") await s.settled;
    },
  };
}

const jpeg = () => new Response(new Blob([new Uint8Array([0xff, 0xd8, 0xff])]), { status: 200 });
const a = photoRef(1).hash;
const b = photoRef(2).hash;

describe("PhotoCache", () => {
  it("fetches a rendition once, with the device token as a Bearer token, and decodes it", async () => {
    const h = harness(jpeg);
    h.cache.prefetch(a);
    h.cache.prefetch(a);
    expect(h.cache.status(a).state).toBe("loading");
    await h.settle(a);
    expect(h.requests).toEqual([
      {
        url: `https://signage.example/kiosk/renditions/${a}`,
        authorization: "Bearer device-token-0123456789abcdef",
      },
    ]);
    const status = h.cache.status(a);
    expect(status.state).toBe("ready");
    expect(status.state === "ready" && (status.img as unknown as FakeImage).url).toBe(
      "blob:photo-1",
    );
    expect(h.ready).toEqual([a]);
  });

  it("never lets the browser's HTTP cache keep a photo or a poster a takedown could not reach", async () => {
    const h = harness(jpeg);
    h.cache.prefetch(a);
    h.cache.prefetch(b, "poster");
    await h.settle(a);
    await h.settle(b);
    expect(h.requests.map((r) => r.url)).toEqual([
      `https://signage.example/kiosk/renditions/${a}`,
      `https://signage.example/kiosk/posters/${b}`,
    ]);
    expect(h.cacheModes).toEqual(["no-store", "no-store"]);
  });

  it("a 410 or a 404 means: no photo, and no retry", async () => {
    for (const code of [404, 410]) {
      const h = harness(() => new Response(null, { status: code }));
      h.cache.prefetch(a);
      await h.settle(a);
      expect(h.cache.status(a)).toEqual({ state: "gone" });
      h.cache.prefetch(a);
      expect(h.requests).toHaveLength(1);
    }
  });

  it("a server error or a network failure is tried again at the next prefetch", async () => {
    let fail = true;
    const h = harness(() => {
      if (fail) return Promise.reject(new TypeError("network down"));
      return jpeg();
    });
    h.cache.prefetch(a);
    await h.settle(a);
    expect(h.cache.status(a)).toEqual({ state: "absent" });
    fail = false;
    h.cache.prefetch(a);
    await h.settle(a);
    expect(h.cache.status(a).state).toBe("ready");
  });

  it("an image the browser cannot decode is treated as no photo, its URL revoked", async () => {
    const revoked: string[] = [];
    const cache = new PhotoCache({
      serverUrl: "https://signage.example",
      token: () => "t",
      fetch: () => Promise.resolve(jpeg()),
      createObjectURL: () => "blob:broken",
      revokeObjectURL: (url) => revoked.push(url),
      decodeImage: () => Promise.reject(new Error("EncodingError")),
    });
    cache.prefetch(a);
    const s = cache.status(a);
    if (s.state === "loading") await s.settled;
    expect(cache.status(a)).toEqual({ state: "gone" });
    expect(revoked).toEqual(["blob:broken"]);
  });

  it("retain revokes the object URL of every photo no longer held, and detaches its image", async () => {
    const h = harness(jpeg);
    h.cache.prefetch(a);
    h.cache.prefetch(b);
    await h.settle(a);
    await h.settle(b);
    const imgA = h.cache.status(a);
    h.cache.retain([b]);
    expect(h.revoked).toEqual(["blob:photo-1"]);
    expect(imgA.state === "ready" && (imgA.img as unknown as FakeImage).removed).toBe(true);
    expect(h.cache.status(a)).toEqual({ state: "absent" });
    expect(h.cache.status(b).state).toBe("ready");
    expect(h.cache.size).toBe(1);
    h.cache.clear();
    expect(h.revoked).toEqual(["blob:photo-1", "blob:photo-2"]);
    expect(h.cache.size).toBe(0);
  });

  it("a photo dropped while on its way is never kept nor announced", async () => {
    let release: () => void = () => undefined;
    const gate = new Promise<void>((r) => (release = r));
    const h = harness(async () => {
      await gate;
      return jpeg();
    });
    h.cache.prefetch(a);
    const s = h.cache.status(a);
    h.cache.retain([]);
    release();
    if (s.state === "loading") await s.settled;
    expect(h.cache.status(a)).toEqual({ state: "absent" });
    expect(h.ready).toEqual([]);
    expect(h.cache.size).toBe(0);
  });

  it("does not fetch without a device token", () => {
    const h = harness(jpeg);
    h.setToken(null);
    h.cache.prefetch(a);
    expect(h.requests).toEqual([]);
    expect(h.cache.status(a)).toEqual({ state: "absent" });
  });
});

/** Photo bytes kept in memory as the kiosk's IndexedDB keeps them; every call is recorded. */
class MemoryVault implements PhotoVault {
  readonly blobs = new Map<string, Blob>();
  readonly calls: string[] = [];
  /** The `keep` set of each retain() call. */
  readonly retained: string[][] = [];
  failing: "get" | "put" | "drop" | "retain" | null = null;

  constructor(stored: Record<string, string> = {}) {
    for (const [hash, text] of Object.entries(stored)) this.blobs.set(hash, new Blob([text]));
  }

  get(hash: string): Promise<Blob | null> {
    this.calls.push(`get ${hash}`);
    if (this.failing === "get") return Promise.reject(new Error("IndexedDB closed"));
    return Promise.resolve(this.blobs.get(hash) ?? null);
  }

  put(hash: string, blob: Blob): Promise<void> {
    this.calls.push(`put ${hash}`);
    if (this.failing === "put") return Promise.reject(new Error("QuotaExceededError"));
    this.blobs.set(hash, blob);
    return Promise.resolve();
  }

  drop(hash: string): Promise<void> {
    this.calls.push(`drop ${hash}`);
    if (this.failing === "drop") return Promise.reject(new Error("IndexedDB closed"));
    this.blobs.delete(hash);
    return Promise.resolve();
  }

  retain(keep: ReadonlySet<string>): Promise<void> {
    this.retained.push([...keep].sort());
    if (this.failing === "retain") return Promise.reject(new Error("IndexedDB closed"));
    for (const hash of [...this.blobs.keys()]) if (!keep.has(hash)) this.blobs.delete(hash);
    return Promise.resolve();
  }
}

const fresh = () => new Response(new Blob(["fresh bytes"]), { status: 200 });

describe("PhotoCache with a vault", () => {
  it("offline, shows the stored copy without asking the server", async () => {
    const vault = new MemoryVault({ [a]: "stored bytes" });
    const h = harness(fresh, { vault, online: () => false });
    h.cache.prefetch(a);
    await h.settle(a);
    expect(h.requests).toEqual([]);
    expect(await h.shownBytes(a)).toBe("stored bytes");
    expect(h.ready).toEqual([a]);
    expect(vault.calls).toEqual([`get ${a}`]);
  });

  it("offline without a stored copy, still tries the server and stores what it sends", async () => {
    const vault = new MemoryVault();
    const h = harness(fresh, { vault, online: () => false });
    h.cache.prefetch(a);
    await h.settle(a);
    expect(h.requests).toHaveLength(1);
    expect(await h.shownBytes(a)).toBe("fresh bytes");
    expect(vault.calls).toEqual([`get ${a}`, `put ${a}`]);
    expect(await vault.blobs.get(a)?.text()).toBe("fresh bytes");
  });

  it("online, fetches from the server rather than the vault, and stores the bytes", async () => {
    const vault = new MemoryVault({ [a]: "stored bytes" });
    const h = harness(fresh, { vault, online: () => true });
    h.cache.prefetch(a);
    await h.settle(a);
    expect(h.requests).toHaveLength(1);
    expect(await h.shownBytes(a)).toBe("fresh bytes");
    expect(vault.calls).toEqual([`put ${a}`]);
  });

  it("falls back to the stored copy when the network fails or the server errs", async () => {
    const answers: (() => Response | Promise<Response>)[] = [
      () => Promise.reject(new TypeError("network down")),
      () => new Response(null, { status: 503 }),
      () => new Response(null, { status: 500 }),
    ];
    for (const answer of answers) {
      const vault = new MemoryVault({ [a]: "stored bytes" });
      const h = harness(answer, { vault, online: () => true });
      h.cache.prefetch(a);
      await h.settle(a);
      expect(h.requests).toHaveLength(1);
      expect(await h.shownBytes(a)).toBe("stored bytes");
      expect(vault.calls).toEqual([`get ${a}`]);
    }
  });

  it("with neither the server nor a stored copy, shows nothing now and tries again later", async () => {
    const vault = new MemoryVault();
    const h = harness(() => new Response(null, { status: 503 }), { vault, online: () => true });
    h.cache.prefetch(a);
    await h.settle(a);
    expect(h.cache.status(a)).toEqual({ state: "absent" });
    h.cache.prefetch(a);
    expect(h.requests).toHaveLength(2);
  });

  it("a 404 or 410 drops the stored copy and never shows it", async () => {
    for (const code of [404, 410]) {
      const vault = new MemoryVault({ [a]: "stored bytes" });
      const h = harness(() => new Response(null, { status: code }), {
        vault,
        online: () => true,
      });
      h.cache.prefetch(a);
      await h.settle(a);
      expect(h.cache.status(a)).toEqual({ state: "gone" });
      expect(vault.calls).toEqual([`drop ${a}`]);
      expect(vault.blobs.has(a)).toBe(false);
      expect(h.ready).toEqual([]);
    }
  });

  it("a 404 still means no photo when the stored copy cannot be dropped", async () => {
    const vault = new MemoryVault({ [a]: "stored bytes" });
    vault.failing = "drop";
    const h = harness(() => new Response(null, { status: 404 }), { vault, online: () => true });
    h.cache.prefetch(a);
    await h.settle(a);
    expect(h.cache.status(a)).toEqual({ state: "gone" });
    expect(h.warnings).toContain("stored photo not dropped");
  });

  it("shows the photo even when the vault cannot store it, or cannot be read offline", async () => {
    const full = new MemoryVault();
    full.failing = "put";
    const h = harness(fresh, { vault: full, online: () => true });
    h.cache.prefetch(a);
    await h.settle(a);
    expect(await h.shownBytes(a)).toBe("fresh bytes");
    expect(h.warnings).toContain("photo not stored");

    const broken = new MemoryVault({ [b]: "stored bytes" });
    broken.failing = "get";
    const offline = harness(fresh, { vault: broken, online: () => false });
    offline.cache.prefetch(b);
    await offline.settle(b);
    expect(await offline.shownBytes(b)).toBe("fresh bytes");
    expect(offline.warnings).toContain("stored photo unreadable");
  });

  it("retain prunes the vault to the photos still held, and clear empties it", async () => {
    const vault = new MemoryVault({ [a]: "stored a", [b]: "stored b" });
    const h = harness(fresh, { vault, online: () => true });
    h.cache.retain([b]);
    expect(vault.retained).toEqual([[b]]);
    expect([...vault.blobs.keys()]).toEqual([b]);
    h.cache.clear();
    expect(vault.retained).toEqual([[b], []]);
    expect(vault.blobs.size).toBe(0);
    // A vault that cannot be pruned now is a warning, not a failure of retain itself.
    vault.failing = "retain";
    h.cache.retain([a]);
    await vi.waitFor(() => expect(h.warnings).toEqual(["stored photos not pruned"]));
  });
});
