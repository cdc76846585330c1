import { create as createQr } from "qrcode";

const SVG_NS = "http://www.w3.org/2000/svg";

/** Light modules around the code: the scanner finds the code by this quiet border. */
const QUIET_MODULES = 2;

/** Codes kept, by text: a rotation's entries each draw theirs again every round. */
const KEPT_CODES = 512;

/** A code's modules: the side (border excluded) and one bit a module, set for dark, by row. */
export interface QrModules {
  size: number;
  dark: Uint8Array;
}

/** Whether module `index` (row × size + column) of a code is dark. */
function isDark(code: QrModules, index: number): boolean {
  return ((code.dark[index >> 3] ?? 0) & (1 << (index & 7))) !== 0;
}

/**
 * The codes made lately (oldest first), as their modules: about a hundred bytes each. Their
 * paths (several kilobytes of text each, which the page's DOM copies again) are written at each
 * draw instead: 512 paths kept took ~4 MB of the kiosk's heap.
 */
const kept = new Map<string, QrModules>();

/** The modules of `text`'s code, made once while it is among the last 512 asked for. */
export function modulesOf(text: string): QrModules {
  const hit = kept.get(text);
  if (hit) {
    kept.delete(text);
    kept.set(text, hit);
    return hit;
  }
  const { modules } = createQr(text, { errorCorrectionLevel: "M" });
  const dark = new Uint8Array(Math.ceil((modules.size * modules.size) / 8));
  for (let row = 0; row < modules.size; row += 1)
    for (let col = 0; col < modules.size; col += 1) {
      const index = row * modules.size + col;
      if (modules.get(row, col)) dark[index >> 3] = (dark[index >> 3] ?? 0) | (1 << (index & 7));
    }
  const code = { size: modules.size, dark };
  kept.set(text, code);
  if (kept.size > KEPT_CODES) kept.delete(kept.keys().next().value as string);
  return code;
}

/** The side (in modules, border included) and the path of the dark squares of `text`'s code. */
export function codeOf(text: string): { size: number; d: string } {
  const code = modulesOf(text);
  const { size } = code;
  const parts: string[] = [];
  for (let row = 0; row < size; row += 1)
    for (let col = 0; col < size; col += 1)
      if (isDark(code, row * size + col))
        parts.push(`M${col + QUIET_MODULES} ${row + QUIET_MODULES}h1v1h-1z`);
  return { size: size + QUIET_MODULES * 2, d: parts.join("") };
}

/**
 * A QR code of `text` as an SVG element, made on the kiosk from the text alone (no network, no
 * markup parsed): one path of dark squares on a white square, crisp at any screen size. The
 * code of a text is made once and kept (the last 512 texts): a slide change only writes its
 * path and builds nodes.
 */
export function qrCodeSvg(text: string): SVGSVGElement {
  const { size, d } = codeOf(text);
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("role", "img");
  const background = document.createElementNS(SVG_NS, "rect");
  background.setAttribute("width", String(size));
  background.setAttribute("height", String(size));
  background.setAttribute("fill", "#fff");
  const dark = document.createElementNS(SVG_NS, "path");
  dark.setAttribute("d", d);
  dark.setAttribute("fill", "#000");
  svg.append(background, dark);
  return svg;
}

/** The address of an entry's public notice page, under the origin the kiosk connects to. */
export function noticeUrl(serverUrl: string, publicId: string): string {
  return `${new URL(serverUrl).origin}/n/${encodeURIComponent(publicId)}`;
}
