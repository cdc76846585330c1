import { describe, expect, it } from "vitest";
import type { AnnouncementView } from "../../../../../shared/schemas/announcement";
import {
  instantOfLocal,
  isOwn,
  localOfInstant,
  posterText,
  screenTagsOf,
  splitWords,
  targetText,
} from "../../../../../server/console/src/announcements/announcementLabels";
import { translator } from "../../../../../server/console/src/lib/i18n";

describe("the announcement form's words and times", () => {
  it("splits typed words at commas, Chinese commas and spaces, each once", () => {
    expect(splitWords(" city, 交通，交通 、 night ")).toEqual(["city", "交通", "night"]);
    expect(splitWords("  ")).toEqual([]);
  });

  it("takes screen tags as the server does, and refuses one that is not a tag", () => {
    expect(screenTagsOf("metro, Bus-Stop metro")).toEqual(["bus-stop", "metro"]);
    expect(screenTagsOf("")).toEqual([]);
    expect(screenTagsOf("metro, line 2!")).toEqual(null);
    expect(screenTagsOf("-metro")).toEqual(null);
  });

  it("turns a datetime-local value into an instant and back in the browser's zone", () => {
    const iso = instantOfLocal("2026-12-24T18:30");
    expect(iso).not.toBeNull();
    expect(localOfInstant(iso)).toBe("2026-12-24T18:30");
    expect(instantOfLocal("not a time")).toBeNull();
    expect(localOfInstant(null)).toBe("");
  });

  it("counts whoever created or changed an announcement since its review as its author", () => {
    const a = { createdBy: "u1", changedBy: ["u2"] } as Pick<
      AnnouncementView,
      "createdBy" | "changedBy"
    > as AnnouncementView;
    expect(isOwn(a, "u1")).toBe(true);
    expect(isOwn(a, "u2")).toBe(true);
    expect(isOwn(a, "u3")).toBe(false);
  });

  it("says why a poster failed in the console's language, and as stored in English", () => {
    const failed = (reason: string | null): AnnouncementView =>
      ({
        poster: { status: "failed", faces: 0, hash: null, width: null, height: null, reason },
      }) as Pick<AnnouncementView, "poster"> as AnnouncementView;
    const interrupted =
      "The server stopped while processing this poster on its last allowed attempt (of 3). Replace the image.";
    const zh = translator("zh-CN");
    expect(posterText(failed(interrupted), zh)).toBe(
      "处理失败：服务器在处理这张海报的最后一次尝试（共 3 次）时中途停止了运行。请更换图片。",
    );
    expect(posterText(failed("The poster could not be processed: sharp threw."), zh)).toBe(
      "处理失败：海报无法处理。",
    );
    expect(posterText(failed(interrupted), translator("en"))).toBe(`Failed: ${interrupted}`);
    expect(posterText(failed(null), zh)).toBe("处理失败：请更换图片");
  });

  it("names the whole city, districts and screen tags", () => {
    const t = translator("en");
    const name = (id: string) => `${id} district`;
    expect(targetText({ districtIds: [], screenTags: [] }, name, t)).toBe("The whole city");
    expect(targetText({ districtIds: ["a", "b"], screenTags: ["metro"] }, name, t)).toBe(
      "a district, b district; screens tagged metro",
    );
  });
});
