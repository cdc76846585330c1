import { describe, expect, it } from "vitest";
import {
  isOrganisationCode,
  isOrganisationEvidence,
  isUnifiedSocialCreditCode,
  looksLikeResidentId,
  normaliseCodeCell,
  readSubjectTypeCell,
} from "../../../../server/services/import/subjectEvidence";
import { withCreditCodeCheck } from "../../../fixtures/courtExport";

const CREDIT_CODE_CHARS = "0123456789ABCDEFGHJKLMNPQRTUWXY";

describe("subject evidence", () => {
  it("accepts the standards' own examples", () => {
    // GB 32100-2015 and GB 11714-1997 sample codes.
    expect(isUnifiedSocialCreditCode("91350100M000100Y43")).toBe(true);
    expect(isOrganisationCode("D2143569-X")).toBe(true);
    expect(isOrganisationCode("12345678-8")).toBe(true);
  });

  it("refuses every single-character change of a credit code", () => {
    const valid = withCreditCodeCheck("91210201MA0QD1K2L");
    expect(isUnifiedSocialCreditCode(valid)).toBe(true);
    for (let at = 0; at < 18; at += 1) {
      for (const c of CREDIT_CODE_CHARS) {
        if (c === valid[at]) continue;
        const changed = valid.slice(0, at) + c + valid.slice(at + 1);
        expect({ changed, ok: isUnifiedSocialCreditCode(changed) }).toEqual({ changed, ok: false });
      }
    }
  });

  it("refuses every single-digit change of an organisation code, and one without its hyphen", () => {
    for (let at = 0; at < 8; at += 1) {
      for (const d of "0123456789") {
        if (d === "12345678"[at]) continue;
        const changed = `${"12345678".slice(0, at)}${d}${"12345678".slice(at + 1)}-8`;
        expect({ changed, ok: isOrganisationCode(changed) }).toEqual({ changed, ok: false });
      }
    }
    expect(isOrganisationCode("123456788")).toBe(false);
    expect(isOrganisationEvidence("D2143569X")).toBe(false);
  });

  it("never takes a resident ID's shape for a credit code, even with a matching check", () => {
    // 17 digits whose credit-code check character happens to be a digit.
    const digits = withCreditCodeCheck("11010119900101107");
    expect(digits).toMatch(/^\d{18}$/);
    expect(looksLikeResidentId(digits)).toBe(true);
    expect(isUnifiedSocialCreditCode(digits)).toBe(false);
    expect(looksLikeResidentId("2102031985****4843")).toBe(true);
    expect(looksLikeResidentId("91350100M000100Y43")).toBe(false);
  });

  it("reads cells as exports write them", () => {
    expect(normaliseCodeCell(" ｄ２１４３５６９－ｘ ")).toBe("D2143569-X");
    expect(readSubjectTypeCell(" 自然人 ")).toBe("person");
    expect(readSubjectTypeCell("法人或其他组织")).toBe("organisation");
    expect(readSubjectTypeCell("")).toBe("none");
    expect(readSubjectTypeCell("公司")).toBe("invalid");
  });
});
