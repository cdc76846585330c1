import type { Announcement } from "../../../shared/schemas/announcement";
import type { Emergency, IdleSlide } from "../../../shared/schemas/schedule";
import type { Slide } from "./playback";

/** Connection state shown in the status bar. */
export type ConnectionState = "connecting" | "online" | "offline" | "pairing";

const labels: Record<ConnectionState, string> = {
  connecting: "正在连接 · Connecting",
  online: "已连接 · Online",
  offline: "离线 · Offline",
  pairing: "等待配对 · Not paired",
};

function el<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs: { className?: string; text?: string; testId?: string } = {},
): HTMLElementTagNameMap[K] {
  const node = document.createElement(tag);
  if (attrs.className) node.className = attrs.className;
  // textContent only: content from the server is never parsed as HTML.
  if (attrs.text !== undefined) node.textContent = attrs.text;
  if (attrs.testId) node.dataset["testid"] = attrs.testId;
  return node;
}

/** Shows the waiting screen: nothing to play yet. */
export function renderWaiting(stage: HTMLElement, serverUrl: string): void {
  stage.className = "waiting";
  stage.replaceChildren(
    el("h1", { text: "等待内容", testId: "waiting" }),
    el("p", { text: "Waiting for content" }),
    el("p", { text: serverUrl }),
  );
}

/** Shows the pairing screen: the code a technician gives the operator, in large type. */
export function renderPairing(
  stage: HTMLElement,
  code: string,
  serverUrl: string,
  expiresAt: string,
): void {
  stage.className = "pairing";
  const until = new Date(expiresAt).toLocaleTimeString("zh-CN", {
    hour: "2-digit",
    minute: "2-digit",
  });
  stage.replaceChildren(
    el("p", { text: "配对码 · Pairing code" }),
    el("h1", { text: `${code.slice(0, 3)} ${code.slice(3)}`, testId: "pairing-code" }),
    el("p", {
      text: "在控制台输入此代码以配对本屏幕 · Enter this code in the console to pair this screen",
    }),
    el("p", { text: `${serverUrl} · ${until} 前有效 · valid until ${until}` }),
  );
}

/** Shows one announcement slide. */
export function renderAnnouncement(stage: HTMLElement, a: Announcement): void {
  stage.className = "announcement";
  stage.lang = a.language;
  stage.replaceChildren(
    el("div", { className: "kind", text: a.language === "en" ? "NOTICE" : "公告" }),
    el("h1", { text: a.title, testId: "slide-title" }),
    el("p", { text: a.body, testId: "slide-body" }),
  );
}

/** Updates the status bar. */
export function renderStatus(bar: HTMLElement, state: ConnectionState, version: number): void {
  bar.dataset["state"] = state;
  bar.textContent = `${labels[state]} · v${version}`;
}

/** Shows an emergency notice: it overrides everything else on the screen. */
export function renderEmergency(stage: HTMLElement, e: Emergency): void {
  stage.className = "emergency";
  stage.replaceChildren(
    el("div", { className: "kind", text: "紧急通知 · EMERGENCY" }),
    el("h1", { text: e.title, testId: "emergency-title" }),
    el("p", { text: e.body, testId: "emergency-body" }),
  );
}

/** Shows the district's idle slide outside every window. */
export function renderIdle(stage: HTMLElement, idle: IdleSlide): void {
  stage.className = "idle";
  stage.replaceChildren(
    el("h1", { text: idle.title, testId: "idle-title" }),
    el("p", { text: idle.body }),
  );
}

/** Blanks the screen outside every window (saves power at night). */
export function renderBlank(stage: HTMLElement): void {
  stage.className = "blank";
  stage.replaceChildren(el("div", { testId: "blank" }));
}

/** Draws a slide; returns the proof-of-play label of what is on screen. */
export function drawSlide(stage: HTMLElement, slide: Slide, serverUrl: string): string | null {
  switch (slide.kind) {
    case "announcement":
      renderAnnouncement(stage, slide.announcement);
      return `announcement:${slide.announcement.id}`;
    case "emergency":
      renderEmergency(stage, slide.emergency);
      return `emergency:${slide.emergency.id}`;
    case "idle":
      renderIdle(stage, slide.idle);
      return "idle";
    case "blank":
      renderBlank(stage);
      return "blank";
    case "waiting":
      renderWaiting(stage, serverUrl);
      return null;
  }
}
