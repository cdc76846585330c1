import { describe, expect, it } from "vitest";
import {
  NO_REVIEWED_SETTINGS,
  reviewedSettingsJson,
  type ReviewedSettings,
} from "../../../shared/schemas/district";
import {
  approvedOnSave,
  contestLineOf,
  heldOnMove,
  emergencyApprovalOf,
  settingsReviewOf,
} from "../../../server/services/districtSettings";
import { districtRow } from "./districtRow";

const APPROVED_LINE = {
  contestText: "向市中院申请纠正",
  contestUrl: "https://court.example.cn/",
  contestContact: "12368",
};
const approved = (s: Partial<ReviewedSettings>): string =>
  reviewedSettingsJson({ ...NO_REVIEWED_SETTINGS, ...s });

describe("a district's contest line and emergency setting wait for a second person", () => {
  const city = districtRow("city", null, {
    contest_text: "城市的纠错说明",
  });

  it("shows the approved line while a changed one waits, and the new one once approved", () => {
    const saved = {
      contest_text: "改过的说明",
      contest_url: null,
      contest_contact: "",
    };
    const waiting = districtRow("east", "city", {
      ...saved,
      settings_approved_json: approved(APPROVED_LINE),
      settings_changers_json: '["u1"]',
    });
    expect(contestLineOf([waiting, city])).toEqual({ ...APPROVED_LINE, fromDistrictId: "east" });
    expect(settingsReviewOf(waiting)).toEqual({
      pending: true,
      inEffect: { ...APPROVED_LINE, emergencyApproval: null },
      changedBy: ["u1"],
    });
    const done = districtRow("east", "city", saved);
    expect(contestLineOf([done, city]).contestText).toBe("改过的说明");
    expect(settingsReviewOf(done).pending).toBe(false);
  });

  it("gives a district whose first line waits its parent's meanwhile", () => {
    const waiting = districtRow("east", "city", {
      contest_text: "新辖区的说明",
      settings_approved_json: approved({}),
    });
    expect(contestLineOf([waiting, city])).toMatchObject({
      contestText: "城市的纠错说明",
      fromDistrictId: "city",
    });
  });

  it("takes a line away at once: the parent's applies", () => {
    const cleared = districtRow("east", "city", {
      settings_approved_json: approved(APPROVED_LINE),
    });
    expect(contestLineOf([cleared, city]).fromDistrictId).toBe("city");
  });

  it("holds emergencies to two people while a change to one person waits", () => {
    const weakened = districtRow("east", null, {
      emergency_approval: "review-after",
      settings_approved_json: approved({ emergencyApproval: "two-person" }),
    });
    expect(emergencyApprovalOf([weakened])).toBe("two-person");
    // Inheriting instead, under a city that sends at once: still two people until approved.
    const inheriting = districtRow("east", "city", {
      settings_approved_json: approved({ emergencyApproval: "two-person" }),
    });
    expect(emergencyApprovalOf([inheriting, districtRow("city", null)])).toBe("two-person");
    // A waiting "inherit" under a two-person city is two people either way.
    const underStrict = districtRow("east", "city", {
      settings_approved_json: approved({ emergencyApproval: "review-after" }),
    });
    expect(
      emergencyApprovalOf([
        underStrict,
        districtRow("city", null, { emergency_approval: "two-person" }),
      ]),
    ).toBe("two-person");
    // And one that sends at once, waiting to ask for two people, asks for them at once.
    const strengthened = districtRow("east", null, {
      emergency_approval: "two-person",
      settings_approved_json: approved({ emergencyApproval: "review-after" }),
    });
    expect(emergencyApprovalOf([strengthened])).toBe("two-person");
  });
});

describe("approvedOnSave: what a save approves by itself", () => {
  it("approves taking the line away and asking for two people; nothing else", () => {
    const before = { ...NO_REVIEWED_SETTINGS, ...APPROVED_LINE, emergencyApproval: null };
    expect(approvedOnSave(NO_REVIEWED_SETTINGS, before)).toEqual(NO_REVIEWED_SETTINGS);
    const stricter = { ...NO_REVIEWED_SETTINGS, emergencyApproval: "two-person" as const };
    expect(approvedOnSave(stricter, NO_REVIEWED_SETTINGS)).toEqual(stricter);
    const newLine = { ...NO_REVIEWED_SETTINGS, contestText: "新的说明" };
    expect(approvedOnSave(newLine, NO_REVIEWED_SETTINGS)).toEqual(NO_REVIEWED_SETTINGS);
  });

  it("leaves any other emergency change waiting, whatever the parents say today", () => {
    const wasStrict = { ...NO_REVIEWED_SETTINGS, emergencyApproval: "two-person" as const };
    // Inheriting, even from a two-person city today: the city may change later.
    expect(approvedOnSave(NO_REVIEWED_SETTINGS, wasStrict)).toEqual(wasStrict);
    const lax = { ...NO_REVIEWED_SETTINGS, emergencyApproval: "review-after" as const };
    expect(approvedOnSave(lax, wasStrict)).toEqual(wasStrict);
    // Sending at once where it inherited: waits too (its parents may ask for two people later).
    expect(approvedOnSave(lax, NO_REVIEWED_SETTINGS)).toEqual(NO_REVIEWED_SETTINGS);
    // The same setting saved again is approved as it was.
    expect(approvedOnSave(lax, lax)).toEqual(lax);
  });
});

describe("heldOnMove: a move that would let one person send holds two people", () => {
  const strictCity = districtRow("strict", null, { emergency_approval: "two-person" });
  const laxCity = districtRow("lax", null);
  const mover = districtRow("east", "strict");
  const moved = districtRow("east", "lax");

  it("holds two people when moving from under a two-person city to one that sends at once", () => {
    expect(
      heldOnMove(NO_REVIEWED_SETTINGS, { chain: [mover, strictCity] }, { chain: [moved, laxCity] }),
    ).toEqual({ ...NO_REVIEWED_SETTINGS, emergencyApproval: "two-person" });
  });

  it("changes nothing for a move that keeps two people, or that had one already", () => {
    expect(
      heldOnMove(NO_REVIEWED_SETTINGS, { chain: [moved, laxCity] }, { chain: [mover, strictCity] }),
    ).toEqual(NO_REVIEWED_SETTINGS);
    const ownStrict = districtRow("east", "lax", { emergency_approval: "two-person" });
    expect(
      heldOnMove(
        { ...NO_REVIEWED_SETTINGS, emergencyApproval: "two-person" },
        { chain: [ownStrict, strictCity] },
        { chain: [ownStrict, laxCity] },
      ),
    ).toEqual({ ...NO_REVIEWED_SETTINGS, emergencyApproval: "two-person" });
  });
});
