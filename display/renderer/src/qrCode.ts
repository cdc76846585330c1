import { create as createQr } from "qrcode";

const SVG_NS = "http://www.w3.org/2000/svg";

/** Light modules around the code: the scanner finds the code by this quiet border. */
const QUIET_MODULES = 2;

/** Codes kept, by text: a rotation's entries each draw theirs again every round. */
const KEPT_CODES = 512;

/** The codes made lately (oldest first): side and path of the dark squares. */
const kept = new Map<string, { size: number; d: string }>();

/** The side (in modules, border included) and dark squares of `text`'s code, made once. */
export function codeOf(text: string): { size: number; d: string } {
  const hit = kept.get(text);
  if (hit) {
    kept.delete(text);
    kept.set(text, hit);
    return hit;
  }
  const { modules } = createQr(text, { errorCorrectionLevel: "M" });
  let d = "";
  for (let row = 0; row < modules.size; row += 1)
    for (let col = 0; col < modules.size; col += 1)
      if (modules.get(row, col)) d += `M${col + QUIET_MODULES} ${row + QUIET_MODULES}h1v1h-1z`;
  const code = { size: modules.size + QUIET_MODULES * 2, d };
  kept.set(text, code);
  if (kept.size > KEPT_CODES) kept.delete(kept.keys().next().value as string);
  return code;
}

/**
 * A QR code of `text` as an SVG element, made on the kiosk from the text alone (no network, no
 * markup parsed): one path of dark squares on a white square, crisp at any screen size. The
 * code of a text is made once and kept (the last 512 texts): a slide change only builds nodes.
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
