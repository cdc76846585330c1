import { describe, expect, it } from "vitest";
import { AppError } from "../../../../server/errors";
import { ImageRejected } from "../../../../server/services/redaction/ImageRejected";
import { sniffFormat } from "../../../../server/services/redaction/imageIntake";

describe("ImageRejected", () => {
  it.each([
    ["unsupported_media_type", 415],
    ["payload_too_large", 413],
    ["bad_request", 400],
  ] as const)("maps %s to HTTP %i through the app's error handler", (code, status) => {
    const err = new ImageRejected(code, "One sentence.");
    expect(err).toBeInstanceOf(AppError);
    expect(err.status).toBe(status);
    expect(err.code).toBe(code);
    expect(err.message).toBe("One sentence.");
  });
});

describe("sniffFormat", () => {
  const bytes = (...b: number[]): Uint8Array => Uint8Array.from(b);
  const text = (s: string): Uint8Array => new TextEncoder().encode(s);

  it("names the format by content, whatever the file is called", () => {
    expect(sniffFormat(bytes(0xff, 0xd8, 0xff, 0xe0, 0, 0x10))).toBe("jpeg");
    expect(sniffFormat(bytes(0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0, 0))).toBe("png");
    expect(sniffFormat(text("RIFF\u0000\u0000\u0000\u0000WEBPVP8 "))).toBe("webp");
    expect(sniffFormat(text("\u0000\u0000\u0000\u001cftypavif\u0000\u0000"))).toBe("heif");
    expect(sniffFormat(text("GIF89a\u0001\u0000"))).toBe("gif");
  });

  it("spots SVG, with or without an XML declaration, BOM or leading space", () => {
    expect(sniffFormat(text('<svg xmlns="http://www.w3.org/2000/svg"></svg>'))).toBe("svg");
    expect(sniffFormat(text('\uFEFF  <?xml version="1.0"?>\n<!DOCTYPE svg>\n<svg></svg>'))).toBe(
      "svg",
    );
  });

  it("calls anything else unknown: text, HTML, PDF, an empty file", () => {
    expect(sniffFormat(text("hello, I am a .jpg"))).toBe("unknown");
    expect(sniffFormat(text("<html><body></body></html>"))).toBe("unknown");
    expect(sniffFormat(text("%PDF-1.7"))).toBe("unknown");
    expect(sniffFormat(bytes())).toBe("unknown");
  });
});
