import { describe, expect, it } from "vitest";
import { emergencyApprovalOf } from "../../../server/services/DistrictRegistry";
import type { DistrictRow } from "../../../server/store/schema";

/** A district row with no approval setting of its own unless given. */
function district(id: string, approval: DistrictRow["emergency_approval"] = null): DistrictRow {
  return {
    id,
    parent_id: null,
    name_zh: `${id}区`,
    name_en: id,
    time_zone: "Asia/Shanghai",
    language: "zh-CN",
    contest_text: "",
    contest_url: null,
    contest_contact: null,
    alert_offline_minutes: null,
    emergency_approval: approval,
    created_at: "2026-01-01T00:00:00.000Z",
    updated_at: "2026-01-01T00:00:00.000Z",
  };
}

describe("emergencyApprovalOf: a district's own setting, else its nearest ancestor's", () => {
  it("is review-after when no district of the chain sets one", () => {
    expect(emergencyApprovalOf([district("east"), district("city")])).toBe("review-after");
  });
  it("inherits a two-person city", () => {
    expect(emergencyApprovalOf([district("east"), district("city", "two-person")])).toBe(
      "two-person",
    );
  });
  it("lets a district's own setting win over its city's", () => {
    expect(
      emergencyApprovalOf([district("east", "review-after"), district("city", "two-person")]),
    ).toBe("review-after");
    expect(
      emergencyApprovalOf([district("east", "two-person"), district("city", "review-after")]),
    ).toBe("two-person");
  });
});
