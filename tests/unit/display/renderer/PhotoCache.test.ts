import { describe, expect, it } from "vitest";
import { PhotoCache } from "../../../../display/renderer/src/PhotoCache";
import { photoRef } from "./screenEntryFactory";

interface FakeImage {
  url: string;
  removed: boolean;
}

/** A PhotoCache over a fake server: `answer` decides each response; everything is recorded. */
function harness(answer: (hash: string) => Response | Promise<Response>) {
  const requests: { url: string; authorization: string | null }[] = [];
  const revoked: string[] = [];
  const ready: string[] = [];
  let urls = 0;
  let token: string | null = "device-token-0123456789abcdef";
  const cache = new PhotoCache({
    serverUrl: "https://signage.example/",
    token: () => token,
    fetch: (input, init) => {
      const url = typeof input === "string" ? input : input instanceof URL ? input.href : input.url;
      requests.push({ url, authorization: new Headers(init?.headers).get("Authorization") });
      const hash = url.slice(url.lastIndexOf("/") + 1);
      return Promise.resolve(answer(hash));
    },
    createObjectURL: () => `blob:photo-${++urls}`,
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
  });
  return {
    cache,
    requests,
    revoked,
    ready,
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
