import { randomUUID } from "node:crypto";
import type { Announcement, ScreenPoster } from "../../../../shared/schemas/announcement";

let seq = 0;

/** A published announcement as a screen receives it; fields can be overridden. */
export function buildAnnouncement(overrides: Partial<Announcement> = {}): Announcement {
  seq += 1;
  return {
    id: randomUUID(),
    title: `道路施工通知 ${seq}`,
    body: `第${seq}号：中山路夜间施工，请绕行。`,
    language: "zh-CN",
    tags: [],
    createdAt: "2026-11-27T00:00:00.000Z",
    version: seq,
    ...overrides,
  };
}

/** A poster reference with a hash made from `n`. */
export function posterRef(n: number, layout: ScreenPoster["layout"] = "beside"): ScreenPoster {
  return {
    hash: (0xa000 + n).toString(16).padStart(64, "0"),
    mime: "image/webp",
    width: 1200,
    height: 1600,
    layout,
  };
}
