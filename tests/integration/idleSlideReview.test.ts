import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { EffectiveSchedule, IdleSlide } from "../../shared/schemas/schedule";
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

const allDay = {
  id: "day",
  days: [1, 2, 3, 4, 5, 6, 7],
  start: "07:00",
  end: "08:00",
  playlist: [{ type: "discredited" }],
  dwellSeconds: 10,
};
const first: IdleSlide = { title: "市民服务中心", body: "办事时间 9:00–17:00" };
const second: IdleSlide = { title: "市民服务中心（新址）", body: "人民路 1 号" };

// An idle slide goes to the street: whoever changes it cannot approve it, an approval holds for
// the text the approver saw, and screens show only what was approved (non-negotiable 5).
describe.each(databaseBackends)(
  "an idle slide waits for a second person before screens show it ($name)",
  (backend) => {
    const server = useTestServerOn(backend);
    let t: TestServer;
    let editor: TestUser;
    let moderator: TestUser;
    let operator: TestUser;
    let kiosk: KioskSocket;
    const url = () => `${t.baseUrl}/api/districts/idle-city/schedule`;

    beforeAll(async () => {
      t = server();
      await createDistrict(t.baseUrl, "idle-city");
      await createDistrict(t.baseUrl, "idle-sub", "idle-city");
      // One person who both schedules and moderates, a second moderator, a plain operator.
      editor = await createUser(t.baseUrl, "editor", [
        { role: "operator", scope: "*" },
        { role: "moderator", scope: "*" },
      ]);
      moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
      operator = await createUser(t.baseUrl, "operator", [{ role: "operator", scope: "*" }]);
      // The screen is in the sub-district, which plays its city's schedule.
      ({ socket: kiosk } = await pairKiosk(t.baseUrl, "idle-sub"));
    });
    afterAll(() => {
      kiosk.disconnect();
    });

    const save = async (who: TestUser, idleSlide?: IdleSlide): Promise<EffectiveSchedule> => {
      const res = await who.fetch(url(), {
        method: "PUT",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ windows: [allDay], ...(idleSlide ? { idleSlide } : {}) }),
      });
      expect(res.status).toBe(200);
      return (await res.json()) as EffectiveSchedule;
    };
    const approve = (who: TestUser, idleSlide: unknown) =>
      who.post(`${url()}/idle-slide/approval`, { idleSlide });
    const onScreen = async () => (await syncKiosk(kiosk)).schedule?.idleSlide;
    const refusal = async (res: Response) => ((await res.json()) as ErrorBody).error;

    it("keeps a new idle slide off the screens until another moderator approves what they saw", async () => {
      const saved = await save(editor, first);
      expect(saved.schedule?.idleSlide).toEqual(first);
      expect(saved.idleSlideReview).toEqual({
        onScreens: null,
        pending: true,
        changedBy: [editor.id],
      });
      // The screen plays the schedule's windows at once, without the idle slide.
      const sync = await syncKiosk(kiosk);
      expect(sync.schedule?.windows.map((w) => w.id)).toEqual(["day"]);
      expect(sync.schedule?.idleSlide).toBeUndefined();

      // Whoever changed it cannot approve it, moderator though they are.
      const own = await approve(editor, first);
      expect(own.status).toBe(403);
      expect(await refusal(own)).toMatchObject({
        code: "four_eyes",
        reason: "schedule.idleSlideYours",
      });
      // An operator may not approve at all.
      expect((await approve(operator, first)).status).toBe(403);
      // Approval names what was seen: another text is refused, and so is no text.
      const other = await approve(moderator, { ...first, body: "办事时间 9:00–18:00" });
      expect(other.status).toBe(409);
      expect(await refusal(other)).toMatchObject({
        code: "stale_revision",
        reason: "schedule.idleSlideChanged",
      });
      const bare = await moderator.post(`${url()}/idle-slide/approval`, {});
      expect(bare.status).toBe(400);
      expect((await refusal(bare)).code).toBe("validation_failed");
      expect(await onScreen()).toBeUndefined();

      const ok = await approve(moderator, first);
      expect(ok.status).toBe(200);
      expect(((await ok.json()) as EffectiveSchedule).idleSlideReview).toEqual({
        onScreens: first,
        pending: false,
        changedBy: [],
      });
      expect(await onScreen()).toEqual(first);
      // Once is enough.
      const again = await approve(moderator, first);
      expect(again.status).toBe(409);
      expect((await refusal(again)).reason).toBe("schedule.idleSlideApproved");
    });

    it("shows the approved idle slide while a change to it waits, and none once it is removed", async () => {
      // Saving the schedule again with the same idle slide (another window, say) keeps it approved.
      const same = await save(operator, first);
      expect(same.idleSlideReview).toEqual({
        onScreens: first,
        pending: false,
        changedBy: [],
      });
      expect(await onScreen()).toEqual(first);

      const changed = await save(operator, second);
      expect(changed.idleSlideReview).toEqual({
        onScreens: first,
        pending: true,
        changedBy: [operator.id],
      });
      expect(await onScreen()).toEqual(first);
      // The approval of the text before does not carry over to the new one.
      expect((await approve(moderator, first)).status).toBe(409);
      expect(await onScreen()).toEqual(first);

      // Taking it away needs nobody: it leaves the screens at once.
      const removed = await save(operator);
      expect(removed.idleSlideReview).toBeNull();
      expect(await onScreen()).toBeUndefined();
      // Put back, it is new again: approved before is not approved now.
      const back = await save(operator, first);
      expect(back.idleSlideReview).toEqual({
        onScreens: null,
        pending: true,
        changedBy: [operator.id],
      });
      expect(await onScreen()).toBeUndefined();
      expect((await approve(editor, first)).status).toBe(200);
      expect(await onScreen()).toEqual(first);
    });

    it("bars everyone who saved a waiting idle slide, not only the last, even saving the same text", async () => {
      // The editor writes it; the operator saves the schedule with the same text (a window
      // moved), then changes the text: neither may approve it, only a third person.
      await save(editor, second);
      const resaved = await save(operator, second);
      expect(resaved.idleSlideReview?.changedBy).toEqual([editor.id, operator.id].sort());
      const edited = { ...second, body: "人民路 2 号" };
      expect((await save(operator, edited)).idleSlideReview?.changedBy).toEqual(
        [editor.id, operator.id].sort(),
      );
      const own = await approve(editor, edited);
      expect(own.status).toBe(403);
      expect((await refusal(own)).code).toBe("four_eyes");
      expect(await onScreen()).toEqual(first);
      expect((await approve(moderator, edited)).status).toBe(200);
      expect(await onScreen()).toEqual(edited);
    });
  },
);
