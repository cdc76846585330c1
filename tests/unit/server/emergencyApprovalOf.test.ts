import { describe, expect, it } from "vitest";
import { emergencyApprovalOf } from "../../../server/services/districtSettings";
import type { DistrictRow } from "../../../server/store/schema";
import { districtRow } from "./districtRow";

/** A district row with an approved approval setting of its own, or none. */
function district(id: string, approval: DistrictRow["emergency_approval"] = null): DistrictRow {
  return districtRow(id, null, { emergency_approval: approval });
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
