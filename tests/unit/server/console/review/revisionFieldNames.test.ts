import { describe, expect, it } from "vitest";
import { EntryEditSchema } from "../../../../../shared/schemas/entry";
import { RevisionFieldSchema } from "../../../../../shared/schemas/moderation";
import { revisionFieldName } from "../../../../../server/console/src/entries/entryLabels";
import { translator } from "../../../../../server/console/src/lib/i18n";
import { revisionFieldsOf } from "../../../../../server/services/EntryIntake";

const en = translator("en");
const zh = translator("zh-CN");
const snake = (name: string): string => name.replace(/[A-Z]/g, (c) => `_${c.toLowerCase()}`);

describe("the names of what a revision changed", () => {
  it("names every field the server can send in English and in Chinese", () => {
    const unnamed: string[] = [];
    const named = (field: string, t: typeof en): string => {
      try {
        return revisionFieldName(field, t);
      } catch {
        return ""; // no message for it in this language
      }
    };
    for (const field of RevisionFieldSchema.options) {
      const english = named(field, en);
      const chinese = named(field, zh);
      // A name, not the key: words, never a camelCase identifier.
      if (english.trim() === "" || /[a-z][A-Z]/.test(english)) unnamed.push(`${field} (en)`);
      if (!/\p{Script=Han}/u.test(chinese)) unnamed.push(`${field} (zh-CN)`);
    }
    expect(unnamed).toEqual([]);
  });

  it("knows by a revision name every field an edit can change, and the masked name it derives", () => {
    // describeChanges names each edited column in snake case (full_name_sealed as full_name).
    const edited = [...Object.keys(EntryEditSchema.shape), "maskedName"];
    for (const field of edited) {
      expect(RevisionFieldSchema.options).toContain(field);
      expect(revisionFieldsOf({ [snake(field)]: "changed" })).toEqual([field]);
    }
  });

  it("fails an edit of a column with no revision name rather than leave it unnamed", () => {
    expect(() => revisionFieldsOf({ photo_caption: { before: "a", after: "b" } })).toThrow(
      /photo_caption/,
    );
  });

  it("joins the names in each language's way, and shows a name it does not know as sent", () => {
    expect(
      ["manualRegions", "crop"].map((f) => revisionFieldName(f, zh)).join(zh("review.fieldsJoin")),
    ).toBe("手动标注的人脸区域、裁剪");
    expect(revisionFieldName("somethingNew", zh)).toBe("somethingNew");
    expect(revisionFieldName("obligation", en)).toBe("unmet obligation");
  });
});
