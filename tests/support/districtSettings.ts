import type { District } from "../../shared/schemas/district";
import type { TestUser } from "./principals";

/**
 * Approves a district's contest line and emergency setting as saved, as `approver` (a second
 * person: not whoever saved them), so they apply on its screens and pages. Fails the test on
 * refusal.
 */
export async function approveDistrictSettings(
  baseUrl: string,
  approver: TestUser,
  districtId: string,
): Promise<void> {
  const got = await approver.fetch(`${baseUrl}/api/districts/${districtId}`);
  if (got.status !== 200) throw new Error(`reading district ${districtId}: ${got.status}`);
  const { district } = (await got.json()) as { district: District };
  const { contestText, contestUrl, contestContact, emergencyApproval } = district;
  const res = await approver.post(`${baseUrl}/api/districts/${districtId}/settings/approval`, {
    settings: { contestText, contestUrl, contestContact, emergencyApproval },
  });
  if (res.status !== 200)
    throw new Error(
      `approving district ${districtId}'s settings: ${res.status} ${await res.text()}`,
    );
}
