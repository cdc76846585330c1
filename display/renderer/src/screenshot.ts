// A picture of what the screen shows, taken when the server asks ("screen:screenshot") and
// uploaded with the device token. Inside Electron the shell captures the window
// (window.kiosk.captureScreen); in a browser the page draws itself: its DOM, every element's
// computed style inlined, images as data URLs, in an SVG <foreignObject> drawn onto a canvas.
// When neither works the kiosk says so, with the reason, instead of leaving the request unanswered.

/** What answering a request needs; the kiosk passes its real parts, tests fakes. */
export interface ScreenshotDeps {
  serverUrl: string;
  /** The device token (null: unpaired, nothing is sent). */
  token: () => string | null;
  fetch: (input: string, init: RequestInit) => Promise<Response>;
  /** Takes the picture: PNG or JPEG bytes. */
  capture: () => Promise<Blob>;
  warn: (message: string, ...details: unknown[]) => void;
}

/** The longest a reason the kiosk sends may be (the server's limit). */
const REASON_MAX = 300;

/** Takes the picture and uploads it, or tells the server why it cannot. Never throws. */
export async function answerScreenshot(requestId: string, deps: ScreenshotDeps): Promise<void> {
  const token = deps.token();
  if (!token) return;
  const base = new URL(`/kiosk/screenshots/${encodeURIComponent(requestId)}`, deps.serverUrl);
  const post = (url: string, body: BodyInit, type: string) =>
    deps.fetch(url, {
      method: "POST",
      headers: { Authorization: `Bearer ${token}`, "Content-Type": type },
      body,
    });
  const cannot = async (reason: string): Promise<void> => {
    try {
      await post(
        `${base.href}/unavailable`,
        JSON.stringify({ reason: reason.slice(0, REASON_MAX) || "unknown" }),
        "application/json",
      );
    } catch (err) {
      deps.warn("could not tell the server the screenshot is unavailable", err);
    }
  };
  let picture: Blob;
  try {
    picture = await deps.capture();
  } catch (err) {
    await cannot(`This screen could not take the picture: ${messageOf(err)}`);
    return;
  }
  try {
    const res = await post(base.href, picture, picture.type || "image/png");
    // Refused for the picture itself (too large, unreadable): the request still gets an answer.
    if (res.status === 400 || res.status === 413 || res.status === 415)
      await cannot(`The server refused the picture (HTTP ${String(res.status)}).`);
    else if (!res.ok) deps.warn(`screenshot upload answered ${String(res.status)}`);
  } catch (err) {
    deps.warn("screenshot upload failed", err);
  }
}

function messageOf(err: unknown): string {
  return err instanceof Error ? err.message : String(err);
}

/** Elements that draw nothing or must not be copied into the picture. */
const SKIPPED = new Set(["SCRIPT", "STYLE", "LINK", "META", "NOSCRIPT", "TEMPLATE"]);

/**
 * Draws `root` (the whole page by default) as the screen shows it now into a JPEG of the
 * viewport's size. Pseudo-elements and web fonts are not carried over (the picture falls back
 * to the system's fonts); everything else — layout, colours, images, inline SVG — is.
 */
export async function renderPageToJpeg(doc: Document = document, quality = 0.85): Promise<Blob> {
  const view = doc.defaultView;
  if (!view) throw new Error("the page has no window");
  const width = Math.max(1, Math.round(view.innerWidth));
  const height = Math.max(1, Math.round(view.innerHeight));
  const body = await cloneStyled(doc.body, view);
  const page = doc.createElement("div");
  page.setAttribute(
    "style",
    `width:${String(width)}px;height:${String(height)}px;overflow:hidden;position:relative;` +
      `background:${view.getComputedStyle(doc.documentElement).backgroundColor};`,
  );
  page.append(body);
  const xhtml = new XMLSerializer().serializeToString(page);
  const svg =
    `<svg xmlns="http://www.w3.org/2000/svg" width="${String(width)}" height="${String(height)}">` +
    `<foreignObject x="0" y="0" width="100%" height="100%">${xhtml}</foreignObject></svg>`;
  const image = new Image(width, height);
  image.src = `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}`;
  await image.decode();
  const canvas = doc.createElement("canvas");
  canvas.width = width;
  canvas.height = height;
  const context = canvas.getContext("2d");
  if (!context) throw new Error("no 2D canvas");
  context.fillStyle = view.getComputedStyle(doc.documentElement).backgroundColor || "#000";
  context.fillRect(0, 0, width, height);
  context.drawImage(image, 0, 0, width, height);
  return new Promise<Blob>((resolve, reject) =>
    canvas.toBlob(
      (blob) => (blob ? resolve(blob) : reject(new Error("the canvas gave no image"))),
      "image/jpeg",
      quality,
    ),
  );
}

/** A deep copy of `node` with each element's computed style inlined and its images embedded. */
async function cloneStyled(node: Element, view: Window): Promise<Element> {
  const doc = node.ownerDocument;
  let copy: Element;
  if (node instanceof HTMLImageElement) {
    copy = doc.createElement("img");
    const src = await embedImage(node, doc);
    if (src) copy.setAttribute("src", src);
  } else if (node instanceof HTMLCanvasElement) {
    copy = doc.createElement("img");
    copy.setAttribute("src", safeDataUrl(node));
  } else copy = node.cloneNode(false) as Element;
  copy.removeAttribute("id");
  const style = view.getComputedStyle(node);
  if (copy instanceof HTMLElement || copy instanceof SVGElement) {
    let text = "";
    for (const prop of Array.from(style)) {
      if (prop.startsWith("transition") || prop.startsWith("animation")) continue;
      let value = style.getPropertyValue(prop);
      if (prop === "background-image" && value.includes("url(")) value = await embedUrls(value);
      text += `${prop}:${value};`;
    }
    copy.setAttribute("style", text);
  }
  for (const child of Array.from(node.childNodes)) {
    if (child instanceof Element) {
      if (SKIPPED.has(child.tagName.toUpperCase())) continue;
      copy.append(await cloneStyled(child, view));
    } else if (child.nodeType === Node.TEXT_NODE) copy.append(child.cloneNode(false));
  }
  return copy;
}

/** An image element's pixels as a data URL (blob: and same-origin images draw untainted). */
async function embedImage(img: HTMLImageElement, doc: Document): Promise<string | null> {
  if (!img.currentSrc && !img.src) return null;
  if (img.src.startsWith("data:")) return img.src;
  try {
    if (!img.complete) await img.decode();
    const canvas = doc.createElement("canvas");
    canvas.width = img.naturalWidth;
    canvas.height = img.naturalHeight;
    canvas.getContext("2d")?.drawImage(img, 0, 0);
    return safeDataUrl(canvas);
  } catch {
    return null;
  }
}

function safeDataUrl(canvas: HTMLCanvasElement): string {
  try {
    return canvas.toDataURL("image/png");
  } catch {
    // A tainted canvas: the picture shows a blank where it was.
    return "";
  }
}

/** Replaces each url(...) in a CSS value with the resource as a data URL (or nothing). */
async function embedUrls(value: string): Promise<string> {
  const urls = [...value.matchAll(/url\("?([^")]+)"?\)/g)];
  let out = value;
  for (const m of urls) {
    const [whole, url] = m;
    if (url === undefined || url.startsWith("data:")) continue;
    try {
      const blob = await (await fetch(url)).blob();
      out = out.replace(whole, `url("${await blobToDataUrl(blob)}")`);
    } catch {
      out = out.replace(whole, "none");
    }
  }
  return out;
}

function blobToDataUrl(blob: Blob): Promise<string> {
  return new Promise((resolve, reject) => {
    const reader = new FileReader();
    reader.onload = () =>
      typeof reader.result === "string" ? resolve(reader.result) : reject(new Error("unreadable"));
    reader.onerror = () => reject(reader.error ?? new Error("unreadable"));
    reader.readAsDataURL(blob);
  });
}

/**
 * The kiosk's way to take the picture: the Electron shell's capture when it offers one (PNG of
 * the window), else the page drawing itself.
 */
export function pageCapture(): () => Promise<Blob> {
  const shell = window.kiosk;
  if (shell && typeof shell.captureScreen === "function") {
    const capture = shell.captureScreen.bind(shell);
    return async () => new Blob([await capture()], { type: "image/png" });
  }
  return () => renderPageToJpeg(document);
}
