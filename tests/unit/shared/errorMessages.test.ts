import { describe, expect, it } from "vitest";
import { rolesFor, permissions, type Permission } from "../../../shared/access/permissions";
import {
  errorMessages,
  errorWords,
  isErrorReason,
  said,
  wordDuration,
  wordError,
  type ErrorReason,
} from "../../../shared/messages/errorMessages";

const reasons = Object.keys(errorMessages) as ErrorReason[];
const placeholders = (template: string): string[] =>
  [...template.matchAll(/\{(\w+)\}/g)].map((m) => m[1] ?? "").sort();
const CJK = /\p{Script=Han}/u;

describe("the catalogue of refusals", () => {
  it.each(reasons)("words %s in both languages", (reason) => {
    const { en, "zh-CN": zh } = errorMessages[reason];
    expect(en.trim()).not.toBe("");
    expect(zh.trim()).not.toBe("");
    expect(zh).toMatch(CJK);
    // English names every parameter; Chinese names the same ones, leaving out at most an
    // English-only detail (a zod problem, a library's error), never inventing one.
    const enParams = new Set(placeholders(en));
    for (const p of placeholders(zh)) expect([...enParams], `${reason}: {${p}}`).toContain(p);
  });

  it("names reasons as area.what", () => {
    for (const reason of reasons) expect(reason).toMatch(/^[a-z]+\.[a-z][A-Za-z0-9]*$/);
  });

  it("fills parameters, and keeps one it was not given", () => {
    expect(wordError("entry.notFound", { id: "e1" }, "en")).toBe("No entry has the id e1.");
    expect(wordError("entry.notFound", { id: "e1" }, "zh-CN")).toBe("找不到 ID 为 e1 的条目。");
    expect(wordError("entry.notFound", {}, "en")).toBe("No entry has the id {id}.");
  });

  it("words a state, a role or what a request was in Chinese, and leaves English as sent", () => {
    const state = said("entry.unchangeableState", { state: "revoked" });
    expect(wordError(state.reason, state.params, "en")).toBe(
      "This entry is revoked; it cannot be changed.",
    );
    expect(wordError(state.reason, state.params, "zh-CN")).toBe(
      "此条目的状态为“已撤下”，不能再修改。",
    );
    expect(wordError("access.needsRole", { roles: "an operator or a moderator" }, "zh-CN")).toBe(
      "此操作需要操作员或审核员权限。",
    );
    expect(
      wordError(
        "request.invalidField",
        { what: "sign-in form", field: "email", problem: "Invalid email" },
        "zh-CN",
      ),
    ).toBe("提交的登录表单中，“电子邮箱”一项不符合要求。");
  });

  it("has Chinese for every role list an access refusal can name", () => {
    const article = { admin: "an admin", operator: "an operator", moderator: "a moderator" };
    for (const permission of Object.keys(permissions) as Permission[]) {
      const needed = rolesFor(permission)
        .map((r) => article[r])
        .join(" or ");
      expect(errorWords, permission).toHaveProperty([needed]);
    }
  });

  it("repeats a pairing code as the screen shows it, in both languages", () => {
    const unknown = said("pairing.unknownCode", { code: "ZZZZZZ" });
    expect(wordError(unknown.reason, unknown.params, "en")).toBe(
      "No kiosk is showing the pairing code ZZZ ZZZ; check the screen.",
    );
    expect(wordError(unknown.reason, unknown.params, "zh-CN")).toBe(
      "没有屏幕显示配对码 ZZZ ZZZ，请核对屏幕。",
    );
    expect(wordError("pairing.codeUsed", { code: "abc-def" }, "zh-CN")).toBe(
      "配对码 ABC DEF 已被使用；每个配对码只能用一次。",
    );
    expect(wordError("pairing.codeExpired", { code: "abcdef" }, "en")).toBe(
      "The pairing code ABC DEF has expired; the kiosk shows a new one.",
    );
  });

  it("names what a stale approval missed by the fields' names, in each language", () => {
    const stale = said("entry.staleRevisionFields", {
      seen: 3,
      now: 5,
      fields: "fullName,caseNumber,unknown,somethingNewer",
    });
    expect(wordError(stale.reason, stale.params, "en")).toBe(
      "This entry changed after you opened it (revision 3, now 5; changed: full name, case number, details not kept, somethingNewer); look at it again before approving.",
    );
    expect(wordError(stale.reason, stale.params, "zh-CN")).toBe(
      "您打开此条目之后它又被修改过（您看到的是第 3 版，现在是第 5 版，改动：姓名、案号、详情未保留、somethingNewer）；请重新查看后再批准。",
    );
  });

  it("words a wait in each language", () => {
    expect(wordDuration(1, "en")).toBe("1 second");
    expect(wordDuration(893, "en")).toBe("14 minutes 53 seconds");
    expect(wordDuration(120, "en")).toBe("2 minutes");
    expect(wordDuration(893, "zh-CN")).toBe("14 分 53 秒");
    expect(wordError("auth.tooManyForAccount", { waitSeconds: 893 }, "en")).toBe(
      "Too many failed sign-ins for this account; try again in 14 minutes 53 seconds.",
    );
    expect(wordError("auth.tooManyForAccount", { waitSeconds: 893 }, "zh-CN")).toBe(
      "此账户的登录失败次数过多；请在 14 分 53 秒后重试。",
    );
  });

  it("knows its own reasons and nothing else", () => {
    expect(isErrorReason("auth.wrongPassword")).toBe(true);
    expect(isErrorReason("auth.noSuchReason")).toBe(false);
    expect(isErrorReason("toString")).toBe(false);
    expect(isErrorReason(undefined)).toBe(false);
  });
});
