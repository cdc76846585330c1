import type { ContentStore } from "./ContentStore";
import type { PhotoCache, PhotoRef } from "./PhotoCache";
import { contentIdsOf, frameAt, type Slide } from "./playback";
import type { DrawContext } from "./view";

/** How long a slide waits for its photo (already being fetched) before it shows without it. */
export const PHOTO_WAIT_MS = 1_500;

/** The longest setTimeout delay browsers honour (about 24.8 days). */
const MAX_TIMER_MS = 2 ** 31 - 1;

interface Shown {
  /**
   * Identity of what is drawn; the same key is drawn twice in a row only to drop a taken-down
   * slide kept behind it (`behind`).
   */
  key: string;
  /** Proof-of-play label. */
  label: string | null;
  /** The announcements and entries on screen (several on a list page, none on a blank). */
  contentIds: string[];
  /** The photo this slide was drawn without because it was not ready yet. */
  missingPhoto: string | null;
  /**
   * The content of the slide before, which the stage keeps, hidden, in its other layer until
   * the next draw (view.ts); none after a cut.
   */
  behind: string[];
}

/**
 * Plays what the store holds on the stage: evaluates the frame, draws it (an entry's photo
 * decoded first), and sets one timer to the next change. Every call to `play` re-evaluates at
 * once, so a sync that takes the slide on screen down replaces it immediately.
 */
export class Player {
  private timer: ReturnType<typeof setTimeout> | undefined;
  /** Bumped by every draw request, so a draw still waiting for a photo never lands late. */
  private generation = 0;
  private shown: Shown | null = null;
  /** Ids the server announced a change of, kept off screen until the sync that follows. */
  private readonly withheld = new Set<string>();

  constructor(
    private readonly deps: {
      /** Puts a slide on the stage (view.drawSlide); returns its proof-of-play label. */
      draw: (slide: Slide, ctx: DrawContext) => string | null;
      store: ContentStore;
      photos: PhotoCache;
      serverUrl: string;
      /** Told of every slide put on screen (null: playback stopped), for proof of play. */
      onShown?: (slide: Slide | null) => void;
    },
  ) {}

  /** The proof-of-play label of what is on screen. */
  get currentSlide(): string | null {
    return this.shown?.label ?? null;
  }

  /** Draws what should be on screen now and sets the timer for the next change. */
  play(): void {
    clearTimeout(this.timer);
    const { store, photos } = this.deps;
    const now = store.now();
    if (store.dropExpired(now).length > 0) photos.retain(photoHashes(store, now));
    const frame = frameAt(
      {
        announcements: store.announcements(now).filter((a) => !this.withheld.has(a.id)),
        entries: store.entries(now).filter((e) => !this.withheld.has(e.id)),
        schedule: store.schedule,
        emergencies: store.emergencies,
        screenTags: store.screenTags,
      },
      now,
    );
    // One timer to the next change, never a polling loop.
    if (frame.nextChangeAt !== null) {
      this.timer = setTimeout(
        () => this.play(),
        Math.max(50, Math.min(frame.nextChangeAt - now, MAX_TIMER_MS)),
      );
    }
    this.present(frame.slide);
  }

  /**
   * Keeps what is on screen and draws nothing new until the next `play`: a kiosk coming back
   * online shows nothing more until it has applied the takedowns it missed.
   */
  pause(): void {
    clearTimeout(this.timer);
    this.generation += 1;
  }

  /** Stops playback (the stage shows pairing): no timer, no draw still pending. */
  stop(): void {
    clearTimeout(this.timer);
    this.generation += 1;
    this.shown = null;
    this.withheld.clear();
    this.deps.onShown?.(null);
  }

  /**
   * The server says this content changed (a takedown, most likely): stop showing it now,
   * rather than after the sync that follows, and redraw at once if it was on screen. Held
   * back until `synced` (fail closed: if that sync never comes, it stays off).
   */
  withdraw(ids: readonly string[]): void {
    const { store } = this.deps;
    const held = new Set([...store.announcements(), ...store.entries()].map((c) => c.id));
    let changed = false;
    for (const id of ids) {
      if (!held.has(id) || this.withheld.has(id)) continue;
      this.withheld.add(id);
      changed = true;
    }
    if (changed) this.play();
  }

  /** Whether any of `ids` is on screen now. */
  showing(ids: readonly string[]): boolean {
    return this.shown?.contentIds.some((id) => ids.includes(id)) ?? false;
  }

  /** A sync was applied: the store now says what may be shown. */
  synced(): void {
    this.withheld.clear();
  }

  /** A photo became ready: redraw if the slide on screen was drawn without it. */
  photoReady(hash: string): void {
    if (this.shown?.missingPhoto === hash) this.play();
  }

  private present(slide: Slide): void {
    const generation = ++this.generation;
    const wanted = photoOf(slide);
    if (wanted === null) {
      this.commit(slide, null);
      return;
    }
    const { hash } = wanted;
    const { photos } = this.deps;
    let status = photos.status(hash);
    if (status.state === "absent") {
      // Not prefetched, or the last try failed: try again now.
      photos.prefetch(hash, wanted.kind);
      status = photos.status(hash);
    }
    if (status.state !== "loading") {
      this.commit(slide, status.state === "ready" ? status.img : null, hash);
      return;
    }
    // The photo is on its way. What is on screen may stay a moment, unless it must go now.
    if (!this.stillHeld()) this.commit({ kind: "blank" }, null);
    const settled = status.settled;
    void Promise.race([settled, new Promise((r) => setTimeout(r, PHOTO_WAIT_MS))]).then(() => {
      if (generation !== this.generation) return;
      const now = photos.status(hash);
      this.commit(slide, now.state === "ready" ? now.img : null, hash);
    });
  }

  /** True when the slide on screen shows content, all of which the kiosk still holds and may show. */
  private stillHeld(): boolean {
    const ids = this.shown?.contentIds ?? [];
    return ids.length > 0 && this.mayShow(ids);
  }

  /** True when the kiosk holds all of this content and nothing of it is withheld. */
  private mayShow(ids: readonly string[]): boolean {
    if (ids.some((id) => this.withheld.has(id))) return false;
    const { store } = this.deps;
    const held = new Set([...store.announcements(), ...store.entries()].map((c) => c.id));
    return ids.every((id) => held.has(id));
  }

  /**
   * True when the stage holds content that was taken down, on screen or kept hidden behind
   * it: the next draw cuts, so it leaves the DOM at once rather than after a fade.
   */
  private mustGo(): boolean {
    const onStage = [...(this.shown?.contentIds ?? []), ...(this.shown?.behind ?? [])];
    return onStage.length > 0 && !this.mayShow(onStage);
  }

  private commit(slide: Slide, photo: HTMLImageElement | null, wantedPhoto?: string): void {
    const district =
      slide.kind === "entry" || slide.kind === "list" ? this.deps.store.district : null;
    const key = JSON.stringify([slide, district, photo !== null]);
    const missingPhoto = photo === null && wantedPhoto !== undefined ? wantedPhoto : null;
    const immediate = this.mustGo();
    // The same slide again (a sync that changed something else): leave the DOM alone.
    if (this.shown?.key === key && !immediate) {
      this.shown.missingPhoto = missingPhoto;
      return;
    }
    const label = this.deps.draw(slide, {
      serverUrl: this.deps.serverUrl,
      district,
      photo,
      immediate,
    });
    const behind = immediate ? [] : (this.shown?.contentIds ?? []);
    this.shown = { key, label, contentIds: contentIdsOf(slide), missingPhoto, behind };
    this.deps.onShown?.(slide);
  }
}

/** The image a slide shows, if any: an entry's photo or an announcement's poster. */
function photoOf(slide: Slide): PhotoRef | null {
  if (slide.kind === "entry" && slide.entry.photo)
    return { hash: slide.entry.photo.hash, kind: "rendition" };
  if (slide.kind === "announcement" && slide.announcement.poster)
    return { hash: slide.announcement.poster.hash, kind: "poster" };
  return null;
}

/** The images of the entries and announcements held and showable at `now` (or still to start). */
export function heldPhotos(store: ContentStore, now: number = store.now()): PhotoRef[] {
  const refs: PhotoRef[] = [];
  for (const e of store.entries(now))
    if (e.photo) refs.push({ hash: e.photo.hash, kind: "rendition" });
  for (const a of store.announcements(now))
    if (a.poster) refs.push({ hash: a.poster.hash, kind: "poster" });
  return refs;
}

/** The content hashes of {@link heldPhotos}: what the photo cache keeps. */
export function photoHashes(store: ContentStore, now: number = store.now()): string[] {
  return heldPhotos(store, now).map((p) => p.hash);
}
