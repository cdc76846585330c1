import type { ContentStore } from "./ContentStore";
import type { PhotoCache, PhotoRef } from "./PhotoCache";
import { contentIdsOf, frameAt, type Frame, type Slide } from "./playback";
import type { DrawContext } from "./view";

/** How long a slide waits for its photo (already being fetched) before it shows without it. */
export const PHOTO_WAIT_MS = 1_500;

/**
 * How long after a change the next slide is drawn ahead: once the fade is over (view.ts: 600 ms,
 * settled by 850 ms at the latest), so the layout it takes never falls in a transition.
 */
/** While paused for a sync, how often the clock is asked whether what is on screen has ended. */
export const PAUSED_CHECK_MS = 1_000;

export const AHEAD_AFTER_MS = 1_000;

/** The soonest the next slide is drawn ahead after a `play` that changed nothing on screen. */
const AHEAD_SOON_MS = 50;

/** Nothing is drawn ahead this close to the change (the draw would race it). */
const AHEAD_MARGIN_MS = 200;

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
  /**
   * The next slide, drawn ahead into the stage's hidden layer: its key and content. Only ever
   * content the screen may show now; dropped by every `play` that does not show it.
   */
  private ahead: { key: string; contentIds: string[] } | null = null;
  private aheadTimer: ReturnType<typeof setTimeout> | undefined;
  /** A `playSoon` waiting for its task. */
  private soonTimer: ReturnType<typeof setTimeout> | undefined;
  /**
   * Paused for a reconnect's sync (`pause` until `synced`): nothing is drawn ahead meanwhile,
   * even when a push or a photo makes it play, since what was taken down offline is not known.
   */
  private paused = false;
  /** When a slide was last put on screen (the store's clock): its fade runs from then. */
  private drawnAt = -Infinity;

  constructor(
    private readonly deps: {
      /** Puts a slide on the stage (view.drawSlide); returns its proof-of-play label. */
      draw: (slide: Slide, ctx: DrawContext) => string | null;
      /**
       * Draws the next slide ahead, hidden, under `ctx.key` (view.drawAhead); false when it did
       * not. Without it, every change draws its slide then.
       */
      drawAhead?: (slide: Slide, ctx: DrawContext) => boolean;
      /** Empties what was drawn ahead (view.dropAhead). */
      dropAhead?: () => void;
      store: ContentStore;
      photos: PhotoCache;
      serverUrl: string;
      /** Told of every slide put on screen (null: playback stopped), for proof of play. */
      onShown?: (slide: Slide | null) => void;
      /** Told when content ended by the clock was dropped, so what is stored drops it too. */
      onExpired?: () => void;
    },
  ) {}

  /** The proof-of-play label of what is on screen. */
  get currentSlide(): string | null {
    return this.shown?.label ?? null;
  }

  /** Draws what should be on screen now and sets the timer for the next change. */
  play(): void {
    clearTimeout(this.timer);
    clearTimeout(this.aheadTimer);
    clearTimeout(this.soonTimer);
    const { store, photos } = this.deps;
    const now = store.now();
    if (store.dropExpired(now).length > 0) {
      photos.retain(photoHashes(store, now));
      this.deps.onExpired?.();
    }
    if (this.paused) {
      // Paused for a reconnect's sync: what was taken down offline is not known yet, so no
      // rotation runs and nothing is drawn from what is held. The slide on screen stays while it
      // may; when it must go (a takedown pushed meanwhile, its end) a blank one takes its place.
      if (this.shown === null || this.mustGo()) this.present({ kind: "blank" });
      this.dropAhead();
      // The clock still ends what is on screen (an entry's expiry, an emergency's end): looked
      // at again shortly, however long the sync takes.
      this.timer = setTimeout(() => this.play(), PAUSED_CHECK_MS);
      return;
    }
    const frame = this.frameAt(now);
    // One timer to the next change, never a polling loop.
    if (frame.nextChangeAt !== null) {
      this.timer = setTimeout(
        () => this.play(),
        Math.max(50, Math.min(frame.nextChangeAt - now, MAX_TIMER_MS)),
      );
    }
    this.present(frame.slide);
    // What was drawn ahead and not shown now is out of date (a sync, a takedown, a photo):
    // dropped, and drawn again once things are still.
    this.dropAhead();
    if (frame.nextChangeAt !== null) this.planAhead(frame.nextChangeAt);
  }

  /**
   * Plays in a task of its own, so a sync's answer (read, applied, stored) and the slide it
   * brings are two shorter tasks rather than one long one; at once when anything on the stage
   * (on screen, behind it or drawn ahead) may no longer be shown: a takedown never waits.
   */
  playSoon(): void {
    const ahead = this.ahead?.contentIds ?? [];
    const emergency = this.frameAt(this.deps.store.now()).slide.kind === "emergency";
    // An emergency takes over at once too.
    if (emergency || this.mustGo() || (ahead.length > 0 && !this.mayShow(ahead))) {
      this.play();
      return;
    }
    clearTimeout(this.soonTimer);
    this.soonTimer = setTimeout(() => this.play(), 0);
  }

  /** The frame at `at`, of the content held then and not withheld. */
  private frameAt(at: number): Frame {
    const { store } = this.deps;
    return frameAt(
      {
        announcements: store.announcements(at).filter((a) => !this.withheld.has(a.id)),
        entries: store.entries(at).filter((e) => !this.withheld.has(e.id)),
        schedule: store.schedule,
        emergencies: store.emergencies,
        screenTags: store.screenTags,
      },
      at,
    );
  }

  /**
   * Draws the slide of the change at `at` ahead, once the last change's fade is over (at once,
   * in a task of its own, when that was long ago: a sync or a takedown dropped it).
   */
  private planAhead(at: number): void {
    if (!this.deps.drawAhead || this.paused) return;
    const now = this.deps.store.now();
    const wait = Math.max(AHEAD_SOON_MS, this.drawnAt + AHEAD_AFTER_MS - now);
    if (at - now < wait + AHEAD_MARGIN_MS) return;
    const generation = this.generation;
    this.aheadTimer = setTimeout(() => {
      if (generation === this.generation) this.drawAhead(at);
    }, wait);
  }

  /**
   * Draws the slide due at `at` into the stage's hidden layer, so the change only swaps layers.
   * Only content the screen may show now (nothing that starts later, nothing withheld), and only
   * with its photo decoded: otherwise the change draws it, as without drawing ahead.
   */
  private drawAhead(at: number): void {
    const { store, photos, drawAhead } = this.deps;
    const shown = this.shown;
    const now = store.now();
    if (!drawAhead || !shown || at - now < AHEAD_MARGIN_MS) return;
    const { slide } = this.frameAt(at);
    if (slide.kind === "emergency" || !this.mayShowNow(slide, now)) return;
    let photo: HTMLImageElement | null = null;
    const wanted = photoOf(slide);
    if (wanted) {
      const status = photos.status(wanted.hash);
      if (status.state === "absent") photos.prefetch(wanted.hash, wanted.kind);
      if (status.state === "absent" || status.state === "loading") return;
      if (status.state === "ready") {
        // One decoded image is one element: already on screen, it stays there.
        if (status.img.isConnected) return;
        photo = status.img;
      }
    }
    const district = districtOf(slide, store);
    const key = slideKey(slide, district, photo);
    if (key === shown.key) return;
    const drawn = drawAhead(slide, {
      serverUrl: this.deps.serverUrl,
      district,
      photo,
      immediate: false,
      key,
    });
    if (!drawn) return;
    this.ahead = { key, contentIds: contentIdsOf(slide) };
    // The hidden layer held the slide before this one; it holds the one drawn ahead now.
    shown.behind = [];
  }

  /** True when all of a slide's content is held, not withheld, and has started by `now`. */
  private mayShowNow(slide: Slide, now: number): boolean {
    if (!this.mayShow(contentIdsOf(slide))) return false;
    if (slide.kind !== "announcement") return true;
    const startsAt = slide.announcement.startsAt;
    return !startsAt || Date.parse(startsAt) <= now;
  }

  /** Empties the stage's hidden layer of what was drawn ahead, if anything. */
  private dropAhead(): void {
    if (!this.ahead) return;
    this.ahead = null;
    this.deps.dropAhead?.();
  }

  /**
   * Keeps what is on screen and draws nothing new until `synced` (or `resume`, offline again): a
   * kiosk coming back online shows nothing more until it has applied the takedowns it missed.
   */
  pause(): void {
    clearTimeout(this.timer);
    clearTimeout(this.aheadTimer);
    clearTimeout(this.soonTimer);
    this.generation += 1;
    this.paused = true;
    this.dropAhead();
    this.timer = setTimeout(() => this.play(), PAUSED_CHECK_MS);
  }

  /** Stops playback (the stage shows pairing): no timer, no draw still pending. */
  stop(): void {
    clearTimeout(this.timer);
    clearTimeout(this.aheadTimer);
    clearTimeout(this.soonTimer);
    this.generation += 1;
    this.paused = false;
    this.dropAhead();
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

  /**
   * Whether any of `ids` is on the stage: on screen, kept hidden behind it, or drawn ahead. A
   * takedown of any of them must reach the stage at once, even while paused for a sync.
   */
  onStage(ids: readonly string[]): boolean {
    const staged = [
      ...(this.shown?.contentIds ?? []),
      ...(this.shown?.behind ?? []),
      ...(this.ahead?.contentIds ?? []),
    ];
    return staged.some((id) => ids.includes(id));
  }

  /** A sync was applied: the store now says what may be shown. */
  synced(): void {
    this.withheld.clear();
    this.paused = false;
  }

  /**
   * Offline again before the sync came: plays what it holds, as any offline kiosk does (what a
   * push withheld stays off until a sync).
   */
  resume(): void {
    this.paused = false;
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
    const held = new Set(
      [...store.announcements(), ...store.entries(), ...store.emergencies].map((c) => c.id),
    );
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
    const district = districtOf(slide, this.deps.store);
    const key = slideKey(slide, district, photo);
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
      key,
    });
    // Shown if it was this slide, replaced by it if not: the hidden layer holds nothing ahead.
    this.ahead = null;
    this.drawnAt = this.deps.store.now();
    const behind = immediate ? [] : (this.shown?.contentIds ?? []);
    this.shown = { key, label, contentIds: stageIdsOf(slide), missingPhoto, behind };
    this.deps.onShown?.(slide);
  }
}

/** The district settings a slide is drawn with: an entry's or a list page's, none otherwise. */
function districtOf(slide: Slide, store: ContentStore): ContentStore["district"] | null {
  return slide.kind === "entry" || slide.kind === "list" ? store.district : null;
}

/**
 * What a slide on the stage shows that a takedown can name: its content, or its emergency (a
 * cleared one must leave the screen as a revoked entry does).
 */
function stageIdsOf(slide: Slide): string[] {
  return slide.kind === "emergency" ? [slide.emergency.id] : contentIdsOf(slide);
}

/** A drawn slide's identity: the same key draws the same nodes. */
function slideKey(
  slide: Slide,
  district: ContentStore["district"] | null,
  photo: HTMLImageElement | null,
): string {
  return JSON.stringify([slide, district, photo !== null]);
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
