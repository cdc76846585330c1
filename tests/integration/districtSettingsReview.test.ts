import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { District, ReviewedSettings } from "../../shared/schemas/district";
import type { ErrorBody } from "../support/errorBody";
import { createUser, type TestUser } from "../support/principals";
import { databaseBackends, useTestServerOn } from "../support/databases";
import {
  createDistrict,
  pairKiosk,
  syncKiosk,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const CITY = { id: "dsr-city", parentId: null, nameZh: "复核市", nameEn: "Review City" };
const FIRST = {
  contestText: "如认为信息有误，请到市中级人民法院立案窗口申请纠正",
  contestContact: "0411-12368",
  contestUrl: "https://court.example.cn/jiuzheng",
};
const SECOND = { ...FIRST, contestText: "请拨打 0411-12368 申请纠正" };
const NO_LINE = { contestText: "", contestContact: "", contestUrl: null };

// The contest line is on every list slide and public page, and the emergency setting decides
// whether one person may send to the street: whoever saves them cannot approve them, an
// approval holds for what the approver saw, and only what was approved applies
// (non-negotiable 5).
describe.each(databaseBackends)(
  "a district's contest line and emergency setting wait for a second person ($name)",
  (backend) => {
    const server = useTestServerOn(backend);
    let t: TestServer;
    let admin: TestUser;
    let otherAdmin: TestUser;
    let moderator: TestUser;
    let operator: TestUser;
    let kiosk: KioskSocket;
    const url = (path = "") => `${t.baseUrl}/api/districts/${CITY.id}${path}`;

    beforeAll(async () => {
      t = server();
      admin = await createUser(t.baseUrl, "admin", [{ role: "admin", scope: "*" }]);
      otherAdmin = await createUser(t.baseUrl, "admin-two", [{ role: "admin", scope: "*" }]);
      moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
      operator = await createUser(t.baseUrl, "operator", [{ role: "operator", scope: "*" }]);
      const created = await admin.post(`${t.baseUrl}/api/districts`, CITY);
      expect(created.status).toBe(201);
      await createDistrict(t.baseUrl, "dsr-east", CITY.id);
      // The screen is in the sub-district, which shows its city's line.
      ({ socket: kiosk } = await pairKiosk(t.baseUrl, "dsr-east"));
    });
    afterAll(() => {
      kiosk.disconnect();
    });

    const save = async (who: TestUser, settings: Record<string, unknown>): Promise<District> => {
      const res = await who.fetch(url(), {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...CITY, ...settings }),
      });
      expect(res.status).toBe(200);
      return ((await res.json()) as { district: District }).district;
    };
    const saved = (d: District): ReviewedSettings => ({
      contestText: d.contestText,
      contestUrl: d.contestUrl,
      contestContact: d.contestContact,
      emergencyApproval: d.emergencyApproval,
    });
    const approve = (who: TestUser, settings: unknown) =>
      who.post(url("/settings/approval"), { settings });
    const onScreen = async () => {
      const { contestText, contestContact, contestUrl } = (await syncKiosk(kiosk)).district;
      return { contestText, contestContact, contestUrl };
    };
    const refusal = async (res: Response) => ((await res.json()) as ErrorBody).error;
    const raise = async (title: string): Promise<string> => {
      const res = await operator.post(`${t.baseUrl}/api/emergencies`, {
        title,
        districtIds: ["dsr-east"],
      });
      expect(res.status).toBe(201);
      const { emergency } = (await res.json()) as { emergency: { reviewState: string } };
      return emergency.reviewState;
    };

    it("keeps a new contest line off the screens until another person approves what they saw", async () => {
      const district = await save(admin, FIRST);
      expect(district).toMatchObject(FIRST);
      expect(district.settingsReview).toEqual({
        pending: true,
        inEffect: { ...NO_LINE, emergencyApproval: null },
        changedBy: [admin.id],
      });
      expect(await onScreen()).toEqual(NO_LINE);

      // Whoever saved it cannot approve it, admin though they are.
      const own = await approve(admin, saved(district));
      expect(own.status).toBe(403);
      expect(await refusal(own)).toMatchObject({
        code: "four_eyes",
        reason: "district.settingsYours",
      });
      // An operator may not approve at all.
      expect((await approve(operator, saved(district))).status).toBe(403);
      // Approval names what was seen: another line is refused, and so is none.
      const other = await approve(moderator, { ...saved(district), contestContact: "0411-8888" });
      expect(other.status).toBe(409);
      expect(await refusal(other)).toMatchObject({
        code: "stale_revision",
        reason: "district.settingsChanged",
      });
      const bare = await moderator.post(url("/settings/approval"), {});
      expect(bare.status).toBe(400);
      expect((await refusal(bare)).code).toBe("validation_failed");
      expect(await onScreen()).toEqual(NO_LINE);

      const ok = await approve(moderator, saved(district));
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as { district: District }).district.settingsReview).toEqual({
        pending: false,
        inEffect: { ...FIRST, emergencyApproval: null },
        changedBy: [],
      });
      expect(await onScreen()).toEqual(FIRST);
      const again = await approve(moderator, saved(district));
      expect(again.status).toBe(409);
      expect((await refusal(again)).reason).toBe("district.settingsApproved");
    });

    it("shows the approved line while a change waits, bars everyone who saved it, and takes a line away at once", async () => {
      const changed = await save(admin, SECOND);
      expect(changed.settingsReview.pending).toBe(true);
      expect(await onScreen()).toEqual(FIRST);
      // A second admin saving the district (a new name) with the change in it saved it too.
      const renamed = await save(otherAdmin, { ...SECOND, nameEn: "Review Town" });
      expect(renamed.settingsReview.changedBy).toEqual([admin.id, otherAdmin.id].sort());
      expect((await approve(otherAdmin, saved(renamed))).status).toBe(403);
      expect((await approve(moderator, saved(renamed))).status).toBe(200);
      expect(await onScreen()).toEqual(SECOND);

      // Taking the line away needs nobody: the general line applies at once.
      const cleared = await save(admin, NO_LINE);
      expect(cleared.settingsReview.pending).toBe(false);
      expect(await onScreen()).toEqual(NO_LINE);
    });

    it("asks for two people at once, but lets one person send again only once approved", async () => {
      const strict = await save(admin, { emergencyApproval: "two-person" });
      expect(strict.settingsReview.pending).toBe(false);
      expect(await raise("山洪预警（一）")).toBe("awaiting_approval");

      // Back to sending at once: still two people until another person approves it.
      const lax = await save(admin, { emergencyApproval: "review-after" });
      expect(lax.settingsReview).toMatchObject({
        pending: true,
        inEffect: { emergencyApproval: "two-person" },
      });
      expect(await raise("山洪预警（二）")).toBe("awaiting_approval");
      // Inheriting instead (the city has no parent: sending at once) is no different.
      const inherit = await save(admin, { emergencyApproval: null });
      expect(inherit.settingsReview.pending).toBe(true);
      expect(await raise("山洪预警（三）")).toBe("awaiting_approval");

      expect((await approve(admin, saved(inherit))).status).toBe(403);
      expect((await approve(moderator, saved(inherit))).status).toBe(200);
      expect(await raise("山洪预警（四）")).not.toBe("awaiting_approval");
    });

    it("holds two people for a district moved from under a two-person city to one that sends at once", async () => {
      const strict = { id: "dsr-strict", parentId: null, nameZh: "严市", nameEn: "Strict" };
      const lax = { id: "dsr-lax", parentId: null, nameZh: "宽市", nameEn: "Lax" };
      const mover = { id: "dsr-mover", parentId: "dsr-strict", nameZh: "迁区", nameEn: "Mover" };
      for (const d of [{ ...strict, emergencyApproval: "two-person" }, lax, mover])
        expect((await admin.post(`${t.baseUrl}/api/districts`, d)).status).toBe(201);
      const raiseIn = async (title: string): Promise<string> => {
        const res = await operator.post(`${t.baseUrl}/api/emergencies`, {
          title,
          districtIds: [mover.id],
        });
        expect(res.status).toBe(201);
        return ((await res.json()) as { emergency: { reviewState: string } }).emergency.reviewState;
      };
      expect(await raiseIn("大风预警（一）")).toBe("awaiting_approval");

      const moved = await admin.fetch(`${t.baseUrl}/api/districts/${mover.id}`, {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ ...mover, parentId: lax.id }),
      });
      expect(moved.status).toBe(200);
      const { district } = (await moved.json()) as { district: District };
      expect(district.settingsReview).toMatchObject({
        pending: true,
        inEffect: { emergencyApproval: "two-person" },
        changedBy: [admin.id],
      });
      expect(await raiseIn("大风预警（二）")).toBe("awaiting_approval");
      const approvedMove = await moderator.post(
        `${t.baseUrl}/api/districts/${mover.id}/settings/approval`,
        { settings: saved(district) },
      );
      expect(approvedMove.status).toBe(200);
      expect(await raiseIn("大风预警（三）")).not.toBe("awaiting_approval");
    });
  },
);
