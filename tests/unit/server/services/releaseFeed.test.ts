import { describe, expect, it } from "vitest";
import { parse } from "yaml";
import {
  compareVersions,
  feedYaml,
  installerKindOf,
  offeredVersion,
  versionInFileName,
} from "../../../../server/services/releases/releaseFeed";

const bytes = (s: string): Uint8Array => Uint8Array.from(s, (c) => c.charCodeAt(0));

describe("installerKindOf", () => {
  it("accepts an AppImage, a deb and an exe by extension and first bytes together", () => {
    expect(installerKindOf("k-1.0.0.AppImage", bytes("\x7fELF\x02\x01\x01\x00AI\x02"))).toBe(
      "AppImage",
    );
    expect(installerKindOf("k-1.0.0.deb", bytes("!<arch>\ndebian-binary   "))).toBe("deb");
    expect(installerKindOf("k-1.0.0.exe", bytes("MZ\x90\x00"))).toBe("exe");
  });

  it("refuses a plain ELF named AppImage, a deb named exe, and other extensions", () => {
    expect(installerKindOf("k.AppImage", bytes("\x7fELF\x02\x01\x01\x00\x00\x00\x00"))).toBe(
      undefined,
    );
    expect(installerKindOf("k.exe", bytes("!<arch>\ndebian-binary   "))).toBe(undefined);
    expect(installerKindOf("k.zip", bytes("MZ"))).toBe(undefined);
  });
});

describe("versionInFileName", () => {
  it.each([
    ["civic-signage-kiosk-1.4.0-x86_64.AppImage", "1.4.0"],
    ["civic-signage-kiosk-2.0.0-beta.1-amd64.deb", "2.0.0-beta.1"],
    ["Kiosk Setup 10.20.30.exe", "10.20.30"],
    ["kiosk.AppImage", undefined],
  ])("reads %s as %s", (name, version) => {
    expect(versionInFileName(name)).toBe(version);
  });
});

describe("compareVersions", () => {
  it("orders by semver: numbers numerically, a pre-release before its release", () => {
    const sorted = ["1.10.0", "1.2.0", "1.2.0-rc.1", "1.2.0-beta.2", "1.2.0-beta.10", "0.9.9"].sort(
      compareVersions,
    );
    expect(sorted).toEqual([
      "0.9.9",
      "1.2.0-beta.2",
      "1.2.0-beta.10",
      "1.2.0-rc.1",
      "1.2.0",
      "1.10.0",
    ]);
  });
});

describe("offeredVersion", () => {
  const stages = [
    { targetType: "district" as const, targetId: "city", version: "1.2.0" },
    { targetType: "tag" as const, targetId: "pilot", version: "1.3.0" },
  ];
  it("offers a stage of the screen's district or one above it, or of one of its tags (the newest)", () => {
    expect(offeredVersion({ districtChain: ["east", "city"], tags: [] }, "1.0.0", stages)).toBe(
      "1.2.0",
    );
    expect(
      offeredVersion({ districtChain: ["east", "city"], tags: ["pilot"] }, "1.0.0", stages),
    ).toBe("1.3.0");
  });
  it("offers the channel's release elsewhere, and nothing before a release", () => {
    expect(offeredVersion({ districtChain: ["west"], tags: ["metro"] }, "1.0.0", stages)).toBe(
      "1.0.0",
    );
    expect(offeredVersion({ districtChain: ["west"], tags: [] }, null, stages)).toBe(null);
  });
});

describe("feedYaml", () => {
  it("writes electron-builder's channel file, notes quoted whatever they hold", () => {
    const text = feedYaml({
      version: "1.4.0",
      fileName: "k-1.4.0.AppImage",
      sha512: "abc+/=",
      size: 12,
      releaseDate: "2026-01-01T00:00:00.000Z",
      notes: 'line one\nkey: "value" # not a comment',
    });
    expect(parse(text)).toEqual({
      version: "1.4.0",
      files: [{ url: "files/k-1.4.0.AppImage", sha512: "abc+/=", size: 12 }],
      path: "files/k-1.4.0.AppImage",
      sha512: "abc+/=",
      releaseDate: "2026-01-01T00:00:00.000Z",
      releaseNotes: 'line one\nkey: "value" # not a comment',
    });
  });
});
