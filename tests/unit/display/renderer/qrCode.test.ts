import { create as createQr } from "qrcode";
import { describe, expect, it } from "vitest";
import { codeOf, modulesOf } from "../../../../display/renderer/src/qrCode";

describe("QR codes on the kiosk", () => {
  it("draws a module for every dark module of the code, inside a two-module border", () => {
    const text = "https://signage.example.org/n/AAAAAAAAAAAAAAAAAAAAAA";
    const { modules } = createQr(text, { errorCorrectionLevel: "M" });
    const code = codeOf(text);
    expect(code.size).toBe(modules.size + 4);
    let dark = 0;
    for (let row = 0; row < modules.size; row += 1)
      for (let col = 0; col < modules.size; col += 1) if (modules.get(row, col)) dark += 1;
    expect(code.d.match(/M/g)).toHaveLength(dark);
    expect(code.d.startsWith("M2 2h1v1h-1z")).toBe(true); // the finder pattern's corner
  });

  it("makes a text's code once while it is among the last 512 drawn, then forgets the oldest", () => {
    const first = modulesOf("https://signage.example.org/n/first");
    expect(modulesOf("https://signage.example.org/n/first")).toBe(first);
    for (let i = 0; i < 511; i += 1) modulesOf(`https://signage.example.org/n/${i}`);
    // Drawn again just now: still kept after 511 others.
    expect(modulesOf("https://signage.example.org/n/first")).toBe(first);
    for (let i = 511; i < 1023; i += 1) modulesOf(`https://signage.example.org/n/${i}`);
    const again = modulesOf("https://signage.example.org/n/first");
    expect(again).not.toBe(first);
    expect(again).toEqual(first);
  });

  it("keeps a code as one bit a module, its path written again at each draw from them", () => {
    const text = "https://signage.example.org/n/kept-small";
    const code = modulesOf(text);
    expect(code.dark).toBeInstanceOf(Uint8Array);
    expect(code.dark.byteLength).toBe(Math.ceil((code.size * code.size) / 8));
    // Each draw writes the path from the kept modules: one square for each bit set.
    let set = 0;
    for (const byte of code.dark) for (let bit = 0; bit < 8; bit += 1) set += (byte >> bit) & 1;
    expect(codeOf(text).d.match(/M/g)).toHaveLength(set);
    expect(modulesOf(text)).toBe(code);
  });
});
