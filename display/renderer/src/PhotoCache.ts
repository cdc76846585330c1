/** What the cache needs from the browser; tests pass fakes. */
export interface PhotoCacheDeps {
  /** The signage server, e.g. "https://signage.example" (a trailing slash is tolerated). */
  serverUrl: string;
  /** The device token to send, read at each fetch (it may rotate); null: not paired. */
  token: () => string | null;
  fetch: typeof fetch;
  createObjectURL: (blob: Blob) => string;
  revokeObjectURL: (url: string) => void;
  /** Makes an image of an object URL and resolves once it is decoded (`img.decode()`). */
  decodeImage: (url: string) => Promise<HTMLImageElement>;
  /** Called when a photo becomes ready, so a slide drawn without it can be redrawn. */
  onReady?: (hash: string) => void;
  /** Structured warnings (hash and status, never the token). */
  warn?: (message: string, details: Record<string, unknown>) => void;
  /** Durable copies for playing offline and after a restart; none: memory only. */
  vault?: PhotoVault;
  /** Whether the server is reachable now; while not, the vault is read first. */
  online?: () => boolean;
}

/**
 * What an image is, which says where the server offers it: an entry's redacted photo
 * (`/kiosk/renditions/<hash>`) or an announcement's redacted poster (`/kiosk/posters/<hash>`).
 * Both are content-hashed and share the cache and the vault, keyed by hash.
 */
export type PhotoKind = "rendition" | "poster";

const PATHS: Record<PhotoKind, string> = { rendition: "renditions", poster: "posters" };

/** An image a slide wants: its content hash and its kind. */
export interface PhotoRef {
  hash: string;
  kind: PhotoKind;
}

/** Where photo bytes survive a restart (the kiosk's IndexedDB). */
export interface PhotoVault {
  get(hash: string): Promise<Blob | null>;
  put(hash: string, blob: Blob): Promise<void>;
  drop(hash: string): Promise<void>;
  /** Deletes every copy whose hash is not in `keep` (taken down, expired, unpaired). */
  retain(keep: ReadonlySet<string>): Promise<void>;
}

type Held =
  | { state: "loading"; abort: AbortController; settled: Promise<void> }
  | { state: "ready"; url: string; img: HTMLImageElement }
  /** 404 or 410: the server will never give this screen these bytes; show no photo. */
  | { state: "gone" };

/** Where a photo stands, for the slide that wants it. */
export type PhotoStatus =
  | { state: "ready"; img: HTMLImageElement }
  | { state: "loading"; settled: Promise<void> }
  | { state: "gone" }
  /** Not asked for yet, or the last try failed for a reason that may pass (network, 5xx). */
  | { state: "absent" };

/**
 * The redacted photos of the entries and the redacted posters of the announcements a kiosk
 * holds, fetched with its device token as soon as a sync brings them, each decoded once and
 * kept as one object URL and one image element per content hash. Images of content no longer
 * held are revoked at once (`retain`). This cache and its vault are the only places the bytes
 * stay: they are fetched with `cache: "no-store"`, so the browser's HTTP cache keeps none.
 */
export class PhotoCache {
  private readonly photos = new Map<string, Held>();

  constructor(private readonly deps: PhotoCacheDeps) {}

  /**
   * Starts fetching and decoding an image (an entry's photo unless `kind` says a poster)
   * unless it is held, on its way, or known gone.
   */
  prefetch(hash: string, kind: PhotoKind = "rendition"): void {
    if (this.photos.has(hash)) return;
    const token = this.deps.token();
    if (token === null) return;
    const abort = new AbortController();
    const settled = this.load(hash, kind, token, abort).then(
      (result) => {
        if (this.photos.get(hash) !== record) {
          // Dropped (taken down) while on its way: never keep it.
          if (result !== "gone" && result !== "retry") this.release(result);
          return;
        }
        if (result === "retry") this.photos.delete(hash);
        else if (result === "gone") this.photos.set(hash, { state: "gone" });
        else {
          this.photos.set(hash, { state: "ready", ...result });
          this.deps.onReady?.(hash);
        }
      },
      (err: unknown) => {
        if (this.photos.get(hash) === record) this.photos.delete(hash);
        if (!abort.signal.aborted)
          this.deps.warn?.("photo load failed", { hash, err: String(err) });
      },
    );
    const record: Held = { state: "loading", abort, settled };
    this.photos.set(hash, record);
  }

  /** Where the photo with this hash stands. */
  status(hash: string): PhotoStatus {
    const r = this.photos.get(hash);
    if (r === undefined) return { state: "absent" };
    if (r.state === "ready") return { state: "ready", img: r.img };
    if (r.state === "loading") return { state: "loading", settled: r.settled };
    return { state: "gone" };
  }

  /**
   * Keeps only the photos with these hashes (those of the entries still held): every other
   * object URL is revoked and every other fetch aborted.
   */
  retain(hashes: Iterable<string>): void {
    const keep = new Set(hashes);
    this.deps.vault
      ?.retain(keep)
      .catch((err: unknown) => this.deps.warn?.("stored photos not pruned", { err: String(err) }));
    for (const [hash, r] of this.photos) {
      if (keep.has(hash)) continue;
      this.photos.delete(hash);
      if (r.state === "loading") r.abort.abort();
      else if (r.state === "ready") this.release(r);
    }
  }

  /** Forgets every photo (the screen was unpaired). */
  clear(): void {
    this.retain([]);
  }

  /** How many photos are held or on their way (for tests and the health report). */
  get size(): number {
    return this.photos.size;
  }

  private release(r: { url: string; img: HTMLImageElement }): void {
    // Detach it too, in case a slide still shows it; its URL is dead from here on.
    r.img.remove();
    r.img.removeAttribute("src");
    this.deps.revokeObjectURL(r.url);
  }

  private async load(
    hash: string,
    kind: PhotoKind,
    token: string,
    abort: AbortController,
  ): Promise<{ url: string; img: HTMLImageElement } | "gone" | "retry"> {
    const { vault } = this.deps;
    // Offline (or starting without a server): the stored copy, without waiting on the network.
    if (vault && this.deps.online?.() === false) {
      const stored = await this.fromVault(hash);
      if (stored) return this.decodeStored(hash, stored, abort);
    }
    const base = this.deps.serverUrl.replace(/\/+$/, "");
    let res: Response;
    try {
      res = await this.deps.fetch(`${base}/kiosk/${PATHS[kind]}/${hash}`, {
        headers: { Authorization: `Bearer ${token}` },
        signal: abort.signal,
        // Never a copy in the browser's HTTP cache: a takedown, an expiry or an unpairing
        // reaches the vault and this cache, not that one (DESIGN.md 6 and 8). The vault keeps
        // what offline restarts need.
        cache: "no-store",
        credentials: "omit",
      });
    } catch (err) {
      if (abort.signal.aborted) return "retry";
      this.deps.warn?.("photo fetch failed", { hash, kind, err: String(err) });
      return this.storedOr(hash, abort);
    }
    if (res.status === 404 || res.status === 410) {
      this.deps.warn?.("photo no longer offered", { hash, kind, status: res.status });
      // The server says never again: the stored copy goes too, before anything could show it.
      await vault
        ?.drop(hash)
        .catch((err: unknown) =>
          this.deps.warn?.("stored photo not dropped", { hash, err: String(err) }),
        );
      return "gone";
    }
    if (!res.ok) {
      this.deps.warn?.("photo fetch refused", { hash, kind, status: res.status });
      return this.storedOr(hash, abort);
    }
    const blob = await res.blob();
    if (abort.signal.aborted) return "retry";
    if (vault)
      await vault
        .put(hash, blob)
        .catch((err: unknown) => this.deps.warn?.("photo not stored", { hash, err: String(err) }));
    return this.decode(hash, blob, abort);
  }

  /** The stored copy when the server cannot answer now (network down, 5xx), else retry later. */
  private async storedOr(
    hash: string,
    abort: AbortController,
  ): Promise<{ url: string; img: HTMLImageElement } | "gone" | "retry"> {
    const stored = await this.fromVault(hash);
    return stored && !abort.signal.aborted ? this.decodeStored(hash, stored, abort) : "retry";
  }

  /**
   * Decodes a copy read from the vault. Stored bytes that do not decode are a damaged record,
   * not the server's word on the photo: the record is dropped and the photo is fetched again
   * the next time it is wanted, never marked gone for good.
   */
  private async decodeStored(
    hash: string,
    blob: Blob,
    abort: AbortController,
  ): Promise<{ url: string; img: HTMLImageElement } | "gone" | "retry"> {
    const result = await this.decode(hash, blob, abort);
    if (result !== "gone") return result;
    await this.deps.vault
      ?.drop(hash)
      .catch((err: unknown) =>
        this.deps.warn?.("damaged stored photo not dropped", { hash, err: String(err) }),
      );
    return "retry";
  }

  private async fromVault(hash: string): Promise<Blob | null> {
    try {
      return (await this.deps.vault?.get(hash)) ?? null;
    } catch (err) {
      this.deps.warn?.("stored photo unreadable", { hash, err: String(err) });
      return null;
    }
  }

  private async decode(
    hash: string,
    blob: Blob,
    abort: AbortController,
  ): Promise<{ url: string; img: HTMLImageElement } | "gone" | "retry"> {
    if (abort.signal.aborted) return "retry";
    const url = this.deps.createObjectURL(blob);
    try {
      return { url, img: await this.deps.decodeImage(url) };
    } catch (err) {
      // Bytes the browser cannot decode will not decode next time either.
      this.deps.revokeObjectURL(url);
      this.deps.warn?.("photo could not be decoded", { hash, err: String(err) });
      return "gone";
    }
  }
}

/** Decodes an image from a URL the way the kiosk shows it (`img.decode()` before display). */
export async function decodeImage(url: string): Promise<HTMLImageElement> {
  const img = new Image();
  img.decoding = "async";
  img.alt = "";
  img.src = url;
  await img.decode();
  return img;
}
