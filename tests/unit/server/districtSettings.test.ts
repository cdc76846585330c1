import { describe, expect, it } from "vitest";
import {
  NO_REVIEWED_SETTINGS,
  reviewedSettingsJson,
  type ReviewedSettings,
} from "../../../shared/schemas/district";
import {
  approvedOnSave,
  contestLineOf,
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
  const strictCity = [districtRow("city", null, { emergency_approval: "two-person" })];
  const laxCity = [districtRow("city", null)];

  it("approves taking the line away and asking for two people; nothing else", () => {
    const before = { ...NO_REVIEWED_SETTINGS, ...APPROVED_LINE, emergencyApproval: null };
    expect(approvedOnSave(NO_REVIEWED_SETTINGS, before, laxCity)).toEqual(NO_REVIEWED_SETTINGS);
    const stricter = { ...NO_REVIEWED_SETTINGS, emergencyApproval: "two-person" as const };
    expect(approvedOnSave(stricter, NO_REVIEWED_SETTINGS, laxCity)).toEqual(stricter);
    const newLine = { ...NO_REVIEWED_SETTINGS, contestText: "新的说明" };
    expect(approvedOnSave(newLine, NO_REVIEWED_SETTINGS, laxCity)).toEqual(NO_REVIEWED_SETTINGS);
  });

  it("approves an emergency change that leaves it as guarded, weighed against the parents", () => {
    const wasStrict = { ...NO_REVIEWED_SETTINGS, emergencyApproval: "two-person" as const };
    // Inheriting a two-person city: as guarded.
    expect(approvedOnSave(NO_REVIEWED_SETTINGS, wasStrict, strictCity)).toEqual(
      NO_REVIEWED_SETTINGS,
    );
    // Inheriting a city that sends at once: weaker, so it waits.
    expect(approvedOnSave(NO_REVIEWED_SETTINGS, wasStrict, laxCity)).toEqual(wasStrict);
    const lax = { ...NO_REVIEWED_SETTINGS, emergencyApproval: "review-after" as const };
    expect(approvedOnSave(lax, wasStrict, strictCity)).toEqual(wasStrict);
    // Already sending at once: any setting is as guarded or more.
    expect(approvedOnSave(lax, NO_REVIEWED_SETTINGS, laxCity)).toEqual(lax);
  });
});
