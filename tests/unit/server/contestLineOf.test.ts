import { describe, expect, it } from "vitest";
import { contestLineOf } from "../../../server/services/DistrictRegistry";
import type { DistrictRow } from "../../../server/store/schema";

/** A district row with no contest line of its own unless given. */
function district(
  id: string,
  parentId: string | null,
  own: Partial<DistrictRow> = {},
): DistrictRow {
  return {
    id,
    parent_id: parentId,
    name_zh: `${id}区`,
    name_en: id,
    time_zone: "Asia/Shanghai",
    language: "zh-CN",
    contest_text: "",
    contest_url: null,
    contest_contact: null,
    alert_offline_minutes: null,
    emergency_approval: null,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
    ...own,
  };
}

describe("contestLineOf: a district's contest line, its own or its nearest ancestor's", () => {
  const city = district("city", null, {
    contest_text: "向市中院申请纠正",
    contest_contact: "12368",
    contest_url: "https://court.example.cn/",
  });

  it("gives a district without a line its parent's, two levels up if need be", () => {
    const chain = [district("street", "district"), district("district", "city"), city];
    expect(contestLineOf(chain)).toEqual({
      contestText: "向市中院申请纠正",
      contestContact: "12368",
      contestUrl: "https://court.example.cn/",
      fromDistrictId: "city",
    });
  });

  it("keeps a district's own line whole: its contact alone does not borrow the parent's text", () => {
    const own = district("district", "city", { contest_contact: "010-5555", contest_text: "  " });
    expect(contestLineOf([own, city])).toEqual({
      contestText: "",
      contestContact: "010-5555",
      contestUrl: null,
      fromDistrictId: "district",
    });
  });

  it("has no line (the general one on screen) when no district in the chain set one", () => {
    expect(contestLineOf([district("a", "b"), district("b", null)])).toEqual({
      contestText: "",
      contestContact: "",
      contestUrl: null,
      fromDistrictId: null,
    });
  });
});
