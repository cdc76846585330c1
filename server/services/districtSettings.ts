import {
  reviewedSettingsJson,
  type DistrictSettingsReview,
  type EmergencyApproval,
  type ReviewedSettings,
} from "../../shared/schemas/district";
import { approvedSettingsOf, savedSettingsOf, settingsChangersOf } from "../store/districts";
import type { DistrictRow } from "../store/schema";

/**
 * A district's contest line and emergency setting reach the street once a second person
 * approves them as saved (four eyes, as for anything a screen shows). Until then what applies is
 * what was approved last, with what is safe at once: a contest line taken away (the parent's
 * applies, approved in its turn) and emergencies asked to wait for two people.
 */

/** The "how to contest" line a district's slides and public pages show. */
export interface ContestLine {
  contestText: string;
  contestUrl: string | null;
  contestContact: string;
  /** The district that set it (itself or an ancestor); null when none did (the default line). */
  fromDistrictId: string | null;
}

type OwnLine = Omit<ContestLine, "fromDistrictId">;

/** The contest line the settings set; null when they set none (the parent's applies). */
function ownLine(s: ReviewedSettings): OwnLine | null {
  if (s.contestText === "" && s.contestContact === "" && s.contestUrl === null) return null;
  return { contestText: s.contestText, contestUrl: s.contestUrl, contestContact: s.contestContact };
}

/**
 * A district's own settings as they apply on the street: its saved contest line when it is the
 * approved one or none, else the approved one; the saved emergency setting when it asks for two
 * people, else the approved one (emergencyApprovalOf weighs both against the ancestors).
 */
export function settingsInEffect(row: DistrictRow): ReviewedSettings {
  const saved = savedSettingsOf(row);
  const approved = approvedSettingsOf(row);
  const savedLine = ownLine(saved);
  const line =
    savedLine === null || JSON.stringify(savedLine) === JSON.stringify(ownLine(approved))
      ? saved
      : approved;
  return {
    contestText: line.contestText,
    contestUrl: line.contestUrl,
    contestContact: line.contestContact,
    emergencyApproval:
      saved.emergencyApproval === "two-person" ? "two-person" : approved.emergencyApproval,
  };
}

/**
 * The contest line of a district, given its ancestry (itself first): its own in effect when it
 * sets any of text, contact or URL, else the nearest ancestor's. The three travel together, so
 * a district's address never appears under its parent's sentence.
 */
export function contestLineOf(chain: readonly DistrictRow[]): ContestLine {
  for (const d of chain) {
    const line = ownLine(settingsInEffect(d));
    if (line) return { ...line, fromDistrictId: d.id };
  }
  return { contestText: "", contestUrl: null, contestContact: "", fromDistrictId: null };
}

/**
 * Whether a district's emergencies need a second person before sending, given its ancestry
 * (itself first): its own setting, else the nearest ancestor's; none set is "review-after".
 * A district whose saved setting is not yet approved is held to the stricter of the two, so a
 * change alone never lets one person send.
 */
export function emergencyApprovalOf(chain: readonly DistrictRow[]): EmergencyApproval {
  const [d, ...above] = chain;
  if (d === undefined) return "review-after";
  const own = new Set([d.emergency_approval, approvedSettingsOf(d).emergencyApproval]);
  if (own.has("two-person")) return "two-person";
  return own.has(null) ? emergencyApprovalOf(above) : "review-after";
}

/**
 * What a save approves by itself over `approved`: a contest line taken away (its parent's, itself
 * approved, applies), and emergencies asked to wait for two people. Any other change waits, even
 * one no weaker under today's parents: the parents may change later, and the value stays.
 */
export function approvedOnSave(
  saved: ReviewedSettings,
  approved: ReviewedSettings,
): ReviewedSettings {
  const line = ownLine(saved) === null ? saved : approved;
  const atOnce =
    saved.emergencyApproval === "two-person" ||
    saved.emergencyApproval === approved.emergencyApproval;
  return {
    contestText: line.contestText,
    contestUrl: line.contestUrl,
    contestContact: line.contestContact,
    emergencyApproval: atOnce ? saved.emergencyApproval : approved.emergencyApproval,
  };
}

/**
 * The approved settings of a district moving to another parent: when the move would let one
 * person send its emergencies (or those of districts inheriting from it) where two were needed,
 * two people are held as approved until a second person approves the move's outcome.
 */
export function heldOnMove(
  approved: ReviewedSettings,
  before: { chain: readonly DistrictRow[] },
  after: { chain: readonly DistrictRow[] },
): ReviewedSettings {
  const weaker =
    emergencyApprovalOf(before.chain) === "two-person" &&
    emergencyApprovalOf(after.chain) === "review-after";
  return weaker ? { ...approved, emergencyApproval: "two-person" } : approved;
}

/** Whether two settings are the same as stored. */
export function sameSettings(a: ReviewedSettings, b: ReviewedSettings): boolean {
  return reviewedSettingsJson(a) === reviewedSettingsJson(b);
}

/** Where a district's settings stand with their second person, for the console. */
export function settingsReviewOf(row: DistrictRow): DistrictSettingsReview {
  return {
    pending: !sameSettings(savedSettingsOf(row), approvedSettingsOf(row)),
    inEffect: settingsInEffect(row),
    changedBy: settingsChangersOf(row),
  };
}
