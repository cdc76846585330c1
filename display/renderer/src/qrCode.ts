import { create as createQr } from "qrcode";

const SVG_NS = "http://www.w3.org/2000/svg";

/** Light modules around the code: the scanner finds the code by this quiet border. */
const QUIET_MODULES = 2;

/**
 * A QR code of `text` as an SVG element, made on the kiosk from the text alone (no network, no
 * markup parsed): one path of dark squares on a white square, crisp at any screen size.
 */
export function qrCodeSvg(text: string): SVGSVGElement {
  const { modules } = createQr(text, { errorCorrectionLevel: "M" });
  const size = modules.size + QUIET_MODULES * 2;
  const svg = document.createElementNS(SVG_NS, "svg");
  svg.setAttribute("viewBox", `0 0 ${size} ${size}`);
  svg.setAttribute("shape-rendering", "crispEdges");
  svg.setAttribute("role", "img");
  const background = document.createElementNS(SVG_NS, "rect");
  background.setAttribute("width", String(size));
  background.setAttribute("height", String(size));
  background.setAttribute("fill", "#fff");
  let d = "";
  for (let row = 0; row < modules.size; row += 1)
    for (let col = 0; col < modules.size; col += 1)
      if (modules.get(row, col)) d += `M${col + QUIET_MODULES} ${row + QUIET_MODULES}h1v1h-1z`;
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
