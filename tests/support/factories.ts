import type { z } from "zod";
import type { AnnouncementInputSchema } from "../../shared/schemas/announcement";

/** What POST /api/announcements takes (defaults filled in by the server). */
export type AnnouncementRequest = z.input<typeof AnnouncementInputSchema>;

let seq = 0;

/** Builds a valid announcement input; fields can be overridden. Fictional content only. */
export function buildAnnouncementInput(
  overrides: Partial<AnnouncementRequest> = {},
): AnnouncementRequest {
  seq += 1;
  return {
    title: `道路施工通知 ${seq}`,
    body: `第${seq}号：中山路夜间施工，请绕行。`,
    language: "zh-CN",
    tags: [],
    ...overrides,
  };
}
