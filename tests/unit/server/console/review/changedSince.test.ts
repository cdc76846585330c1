import { describe, expect, it } from "vitest";
import { wordRevisionFields } from "../../../../../shared/messages/revisionFieldWords";
import { changedSince } from "../../../../../server/console/src/review/changedSince";
import { translator } from "../../../../../server/console/src/lib/i18n";

const en = translator("en");
const zh = translator("zh-CN");

/** An entry now at `revision` whose queue history kept these revisions' changed fields. */
function reviewed(revision: number, kept: Record<number, string[]>) {
  return {
    entry: { revision },
    recentChanges: Object.entries(kept).map(([r, fields]) => ({
      revision: Number(r),
      fields,
      by: null,
      at: "2026-01-01T00:00:00.000Z",
    })),
  };
}

describe("what changed in a queued entry since the moderator saw it", () => {
  it("says nothing while the entry is still at the revision they saw", () => {
    expect(changedSince(reviewed(3, { 3: ["crop"] }), 3, en)).toBeNull();
  });

  it("names each changed field once, in the console's language", () => {
    const item = reviewed(5, { 4: ["obligation", "crop"], 5: ["crop"] });
    expect(changedSince(item, 3, en)).toBe("unmet obligation, crop");
    expect(changedSince(item, 3, zh)).toBe("未履行的义务、裁剪");
  });

  it("says the details were not kept, in the server's words, for revisions beyond the history", () => {
    const item = reviewed(5, { 5: ["crop"] });
    expect(changedSince(item, 2, en)).toBe("crop, details not kept");
    expect(changedSince(item, 2, zh)).toBe("裁剪、详情未保留");
    // The same words the server uses when it refuses a stale approval.
    expect(changedSince(reviewed(4, {}), 3, en)).toBe(wordRevisionFields("unknown", "en"));
    expect(changedSince(reviewed(4, {}), 3, zh)).toBe(wordRevisionFields("unknown", "zh-CN"));
  });
});
