import type { Announcement } from "../../../shared/schemas/announcement";

/** Connection state shown in the status bar. */
export type ConnectionState = "connecting" | "online" | "offline";

const labels: Record<ConnectionState, string> = {
  connecting: "正在连接 · Connecting",
  online: "已连接 · Online",
  offline: "离线 · Offline",
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
