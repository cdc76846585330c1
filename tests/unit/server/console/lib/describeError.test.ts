import { describe, expect, it } from "vitest";
import { ApiFailure } from "../../../../../server/console/src/lib/api";
import {
  codeMessage,
  describeError,
  describeRefusal,
  wordServerSentence,
} from "../../../../../server/console/src/lib/describeError";
import { translator } from "../../../../../server/console/src/lib/i18n";
import { ErrorCodeSchema } from "../../../../../shared/schemas/apiError";

const en = translator("en");
const zh = translator("zh-CN");
const CJK = /\p{Script=Han}/u;
/** Three English words in a row: an English sentence where none should be. */
const ENGLISH = /[A-Za-z]+ [A-Za-z]+ [A-Za-z]+/;

const wrongPassword = new ApiFailure(
  "invalid_credentials",
  "The email or password is wrong.",
  401,
  [],
  "auth.wrongPassword",
  {},
);

describe("describeError", () => {
  it("words a reason it knows in the Chinese console, never the server's English", () => {
    expect(describeError(wrongPassword, zh)).toBe("电子邮箱或密码不正确。");
    const stale = new ApiFailure(
      "stale_revision",
      "This entry changed after you opened it (revision 1, now 2); look at it again before approving.",
      409,
      [],
      "entry.staleRevision",
      { seen: 1, now: 2 },
    );
    expect(describeError(stale, zh)).toBe(
      "您打开此条目之后它又被修改过（您看到的是第 1 版，现在是第 2 版）；请重新查看后再批准。",
    );
  });

  it("says what the code means in Chinese when the reason is unknown or missing", () => {
    const unknown = new ApiFailure("conflict", "Something new.", 409, [], "entry.fromTheFuture");
    expect(describeError(unknown, zh)).toBe(zh("error.code.conflict"));
    const none = new ApiFailure("rate_limited", "Too many, wait 5 s.", 429);
    expect(describeError(none, zh)).toBe(zh("error.code.rate_limited"));
  });

  it("has a sentence in both languages for every error code", () => {
    for (const code of ErrorCodeSchema.options) {
      expect(zh(codeMessage(code)), code).toMatch(CJK);
      expect(en(codeMessage(code)), code).not.toMatch(CJK);
    }
    expect(codeMessage("not_a_code")).toBe("error.code.unknown");
  });

  it("keeps the English console's sentences: the server's, or its own for four eyes", () => {
    expect(describeError(wrongPassword, en)).toBe("The email or password is wrong.");
    const fourEyes = new ApiFailure(
      "four_eyes",
      "You created this entry; another moderator must review it.",
      403,
      [],
      "entry.youCreated",
    );
    expect(describeError(fourEyes, en)).toBe(en("error.fourEyes"));
    expect(describeError(fourEyes, zh)).toBe("此条目由您创建，须由另一位审核员审核。");
  });

  it("words a failure without an answer in the console's language", () => {
    const offline = new ApiFailure("network", "The server cannot be reached.", 0);
    expect(describeError(offline, zh)).toBe(zh("error.network"));
    expect(describeError(offline, zh)).not.toMatch(ENGLISH);
  });
});

describe("wordServerSentence", () => {
  it("words a stored redaction or poster status in Chinese, and leaves English as stored", () => {
    const noFace = "No face was found in the photo; a moderator must mark the areas to cover.";
    expect(wordServerSentence(noFace, zh)).toBe(
      "照片中没有找到人脸；须由审核员标出需要遮盖的区域。",
    );
    expect(wordServerSentence(noFace, en)).toBe(noFace);
    expect(wordServerSentence("Redaction failed: the worker stopped.", zh)).toBe("遮盖处理失败。");
    expect(
      wordServerSentence(
        "Faces on the poster were covered; a moderator must look at the rendition.",
        zh,
      ),
    ).toBe("海报上的人脸已遮盖；须由审核员查看处理后的海报。");
    expect(wordServerSentence("Something the catalogue lacks.", zh)).toBe(
      "Something the catalogue lacks.",
    );
  });
});

describe("describeRefusal", () => {
  it("words an entry a bulk approval skipped in the console's language", () => {
    const skipped = {
      code: "conflict",
      message:
        "Only clean entries (a verified photo with faces, nothing flagged) are approved in bulk; review this one alone.",
      reason: "entry.notClean",
      params: {},
    };
    expect(describeRefusal(skipped, zh)).toBe(
      "只有没有任何问题的条目（照片已核验、人脸已遮盖、无任何标记）才能批量批准；请单独审核此条目。",
    );
    expect(describeRefusal(skipped, en)).toBe(skipped.message);
    expect(describeRefusal({ code: "conflict", message: "Old server." }, zh)).toBe(
      zh("error.code.conflict"),
    );
  });
});
