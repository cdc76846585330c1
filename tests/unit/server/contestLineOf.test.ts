import { describe, expect, it } from "vitest";
import { contestLineOf } from "../../../server/services/districtSettings";
import { districtRow } from "./districtRow";

describe("contestLineOf: a district's contest line, its own or its nearest ancestor's", () => {
  const city = districtRow("city", null, {
    contest_text: "向市中院申请纠正",
    contest_contact: "12368",
    contest_url: "https://court.example.cn/",
  });

  it("gives a district without a line its parent's, two levels up if need be", () => {
    const chain = [districtRow("street", "district"), districtRow("district", "city"), city];
    expect(contestLineOf(chain)).toEqual({
      contestText: "向市中院申请纠正",
      contestContact: "12368",
      contestUrl: "https://court.example.cn/",
      fromDistrictId: "city",
    });
  });

  it("keeps a district's own line whole: its contact alone does not borrow the parent's text", () => {
    const own = districtRow("district", "city", {
      contest_contact: "010-5555",
      contest_text: "  ",
    });
    expect(contestLineOf([own, city])).toEqual({
      contestText: "",
      contestContact: "010-5555",
      contestUrl: null,
      fromDistrictId: "district",
    });
  });

  it("has no line (the general one on screen) when no district in the chain set one", () => {
    expect(contestLineOf([districtRow("a", "b"), districtRow("b", null)])).toEqual({
      contestText: "",
      contestContact: "",
      contestUrl: null,
      fromDistrictId: null,
    });
  });
});
