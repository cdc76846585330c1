import { describe, expect, it } from "vitest";
import { answerScreenshot, type ScreenshotDeps } from "../../../../display/renderer/src/screenshot";

const SERVER = "https://signage.example.test";
const ID = "0f8b3c2e-4a5d-4e6f-9a0b-1c2d3e4f5a6b";

/** Records what the kiosk sends, answering each POST with `status`. */
function recorder(
  capture: ScreenshotDeps["capture"],
  status = 201,
  token: string | null = "t".repeat(43),
) {
  const sent: { url: string; type: string | null; auth: string | null; body: unknown }[] = [];
  const warnings: string[] = [];
  const deps: ScreenshotDeps = {
    serverUrl: SERVER,
    token: () => token,
    fetch: (url, init) => {
      const headers = new Headers(init.headers);
      sent.push({
        url,
        type: headers.get("Content-Type"),
        auth: headers.get("Authorization"),
        body: typeof init.body === "string" ? JSON.parse(init.body) : init.body,
      });
      return Promise.resolve(
        new Response(null, { status: url.endsWith("/unavailable") ? 200 : status }),
      );
    },
    capture,
    warn: (message) => warnings.push(message),
  };
  return { deps, sent, warnings };
}

describe("answerScreenshot (the kiosk's answer to screen:screenshot)", () => {
  it("uploads the picture with the device token to the request's address", async () => {
    const picture = new Blob([new Uint8Array([1, 2, 3])], { type: "image/jpeg" });
    const { deps, sent } = recorder(() => Promise.resolve(picture));
    await answerScreenshot(ID, deps);
    expect(sent).toEqual([
      {
        url: `${SERVER}/kiosk/screenshots/${ID}`,
        type: "image/jpeg",
        auth: `Bearer ${"t".repeat(43)}`,
        body: picture,
      },
    ]);
  });

  it("says why when the picture cannot be taken, instead of leaving the request unanswered", async () => {
    const { deps, sent } = recorder(() => Promise.reject(new Error("the canvas is tainted")));
    await answerScreenshot(ID, deps);
    expect(sent).toEqual([
      {
        url: `${SERVER}/kiosk/screenshots/${ID}/unavailable`,
        type: "application/json",
        auth: `Bearer ${"t".repeat(43)}`,
        body: { reason: "This screen could not take the picture: the canvas is tainted" },
      },
    ]);
  });

  it("says so when the server refuses the picture itself (too large, unreadable)", async () => {
    const { deps, sent } = recorder(
      () => Promise.resolve(new Blob(["x"], { type: "image/png" })),
      413,
    );
    await answerScreenshot(ID, deps);
    expect(sent.map((s) => s.url)).toEqual([
      `${SERVER}/kiosk/screenshots/${ID}`,
      `${SERVER}/kiosk/screenshots/${ID}/unavailable`,
    ]);
    expect(sent[1]?.body).toEqual({ reason: "The server refused the picture (HTTP 413)." });
  });

  it("sends nothing without a token, and nothing more when the request was answered already", async () => {
    const unpaired = recorder(() => Promise.resolve(new Blob(["x"])), 201, null);
    await answerScreenshot(ID, unpaired.deps);
    expect(unpaired.sent).toEqual([]);
    const late = recorder(() => Promise.resolve(new Blob(["x"], { type: "image/png" })), 409);
    await answerScreenshot(ID, late.deps);
    expect(late.sent).toHaveLength(1);
    expect(late.warnings).toEqual(["screenshot upload answered 409"]);
  });
});
