import { describe, expect, it } from "vitest";
import {
  initialScheduleEditor,
  scheduleEditor,
  type ScheduleEditorAction,
  type ScheduleEditorState,
} from "../../../../../server/console/src/schedules/scheduleEditor";
import type {
  EffectiveSchedule,
  Schedule,
  TimeWindow,
} from "../../../../../shared/schemas/schedule";

/** A window of the usual shape, with `id` and whatever `over` changes. */
function window(id: string, over: Partial<TimeWindow> = {}): TimeWindow {
  return {
    id,
    days: [1, 2, 3, 4, 5],
    start: "08:00",
    end: "18:00",
    playlist: [{ type: "discredited" }],
    dwellSeconds: 10,
    order: "sequence",
    priority: 0,
    ...over,
  };
}

/** A schedule in Shanghai time with `windows`. */
function schedule(...windows: TimeWindow[]): Schedule {
  return { timeZone: "Asia/Shanghai", windows };
}

/** The editor on district "a" with `draft` loaded as the district's own schedule. */
function loaded(draft: Schedule, over: Partial<ScheduleEditorState> = {}): ScheduleEditorState {
  const effective: EffectiveSchedule = {
    schedule: draft,
    fromDistrictId: "a",
    idleSlideReview: null,
  };
  return {
    ...run(initialScheduleEditor("a"), { type: "take", effective, timeZone: "Asia/Shanghai" }),
    ...over,
  };
}

/** The state after each action in turn. */
function run(state: ScheduleEditorState, ...actions: ScheduleEditorAction[]): ScheduleEditorState {
  return actions.reduce(scheduleEditor, state);
}

describe("the schedule editor's transitions", () => {
  it("opens on the district it is given, with nothing loaded, open or under way", () => {
    expect(initialScheduleEditor("a")).toEqual({
      districtId: "a",
      effective: null,
      draft: null,
      dirty: false,
      selected: null,
      focusForm: false,
      switchTo: null,
      districtPanel: "none",
      error: null,
      saveError: null,
      checked: false,
      confirmingDelete: false,
      busy: false,
    });
  });

  describe("choosing a district", () => {
    it("switches at once to a district picked while nothing is unsaved", () => {
      expect(run(loaded(schedule()), { type: "pick", districtId: "b" }).districtId).toBe("b");
    });

    it("asks first when the draft has unsaved changes", () => {
      const s = run(loaded(schedule(), { dirty: true }), { type: "pick", districtId: "b" });
      expect(s.districtId).toBe("a");
      expect(s.switchTo).toBe("b");
    });

    it("ignores picking the empty choice or the district already chosen", () => {
      const before = loaded(schedule(), { dirty: true });
      expect(run(before, { type: "pick", districtId: "" })).toBe(before);
      expect(run(before, { type: "pick", districtId: "a" })).toBe(before);
    });

    it("switches when the question is answered yes, and stays when no", () => {
      const asked = run(loaded(schedule(), { dirty: true }), { type: "pick", districtId: "b" });
      const yes = run(asked, { type: "switchAnswered", yes: true });
      expect([yes.districtId, yes.switchTo]).toEqual(["b", null]);
      const no = run(asked, { type: "switchAnswered", yes: false });
      expect([no.districtId, no.switchTo]).toEqual(["a", null]);
    });

    it("chooses a district without asking (the first loaded, or one just created)", () => {
      const s = run(loaded(schedule(), { dirty: true }), { type: "choose", districtId: "new" });
      expect(s.districtId).toBe("new");
      expect(s.switchTo).toBeNull();
    });
  });

  describe("loading and taking a schedule", () => {
    it("forgets the last district's schedule while the next one loads, unsaved mark kept", () => {
      const s = run(loaded(schedule(window("w1")), { dirty: true }), { type: "loading" });
      expect([s.effective, s.draft, s.dirty]).toEqual([null, null, true]);
    });

    it("takes a copy of the answered schedule as a clean draft, closing window and question", () => {
      const own = schedule(window("w1"));
      const effective: EffectiveSchedule = {
        schedule: own,
        fromDistrictId: "a",
        idleSlideReview: null,
      };
      const before = loaded(schedule(window("old")), {
        dirty: true,
        checked: true,
        selected: "old",
        confirmingDelete: true,
      });
      const s = run(before, { type: "take", effective, timeZone: "Asia/Shanghai" });
      expect(s.effective).toBe(effective);
      expect(s.draft).toEqual(own);
      expect(s.draft).not.toBe(own);
      expect([s.dirty, s.checked, s.selected, s.confirmingDelete]).toEqual([
        false,
        false,
        null,
        false,
      ]);
    });

    it("starts an empty draft in the district's time zone when no schedule applies", () => {
      const s = run(initialScheduleEditor("a"), {
        type: "take",
        effective: { schedule: null, fromDistrictId: null, idleSlideReview: null },
        timeZone: "Europe/Berlin",
      });
      expect(s.draft).toEqual({ timeZone: "Europe/Berlin", windows: [] });
    });
  });

  describe("editing the draft", () => {
    it("marks the draft unsaved and drops the last save's complaint on any change", () => {
      const next = { ...schedule(), timeZone: "Asia/Tokyo" };
      const s = run(loaded(schedule(), { saveError: "no" }), { type: "edit", draft: next });
      expect(s.draft).toBe(next);
      expect([s.dirty, s.saveError]).toEqual([true, null]);
    });

    it("adds a window with a free id and the usual playlist, and opens it", () => {
      const s = run(loaded(schedule(window("w1"), window("w2"))), {
        type: "addWindow",
        days: [6],
        start: "09:00",
        end: "12:00",
        byKeyboard: true,
      });
      expect(s.draft?.windows[2]).toEqual({
        id: "w3",
        days: [6],
        start: "09:00",
        end: "12:00",
        playlist: [{ type: "discredited" }],
        dwellSeconds: 10,
        order: "sequence",
        priority: 0,
      });
      expect([s.selected, s.focusForm, s.dirty]).toEqual(["w3", true, true]);
    });

    it("skips ids already taken when adding, and leaves the keyboard alone for the mouse", () => {
      const s = run(loaded(schedule(window("w2"))), {
        type: "addWindow",
        days: [1],
        start: "08:00",
        end: "09:00",
        byKeyboard: false,
      });
      expect(s.draft?.windows.map((w) => w.id)).toEqual(["w2", "w3"]);
      expect(s.focusForm).toBe(false);
    });

    it("replaces a window as its form changed it, an optional date removed included", () => {
      const before = loaded(schedule(window("w1", { from: "2026-01-01" }), window("w2")));
      const changed = window("w1", { dwellSeconds: 20 });
      const s = run(before, { type: "replaceWindow", id: "w1", window: changed });
      expect(s.draft?.windows).toEqual([changed, window("w2")]);
      expect(s.dirty).toBe(true);
    });

    it("moves only the dragged edge of a window", () => {
      const s = run(loaded(schedule(window("w1"), window("w2"))), {
        type: "resizeWindow",
        id: "w2",
        times: { end: "20:00" },
      });
      expect(s.draft?.windows).toEqual([window("w1"), window("w2", { end: "20:00" })]);
      expect(s.dirty).toBe(true);
    });

    it("removes a window and closes its form", () => {
      const before = loaded(schedule(window("w1"), window("w2")), { selected: "w1" });
      const s = run(before, { type: "removeWindow", id: "w1" });
      expect(s.draft?.windows.map((w) => w.id)).toEqual(["w2"]);
      expect([s.selected, s.dirty]).toEqual([null, true]);
    });

    it("changes nothing while no draft is loaded", () => {
      const before = initialScheduleEditor("a");
      expect(run(before, { type: "removeWindow", id: "w1" })).toBe(before);
      expect(run(before, { type: "resizeWindow", id: "w1", times: { end: "20:00" } })).toBe(before);
      expect(
        run(before, {
          type: "addWindow",
          days: [1],
          start: "08:00",
          end: "09:00",
          byKeyboard: true,
        }),
      ).toBe(before);
    });

    it("opens a window in the form, with or without moving the keyboard", () => {
      const s = run(loaded(schedule(window("w1"))), { type: "open", id: "w1", focus: true });
      expect([s.selected, s.focusForm]).toEqual(["w1", true]);
      const closed = run(s, { type: "open", id: null, focus: false });
      expect([closed.selected, closed.focusForm]).toEqual([null, false]);
    });
  });

  describe("saving and deleting", () => {
    it("starts a save the check passed: complaint cleared, fields marked from now on, busy", () => {
      const s = run(loaded(schedule(), { saveError: "old" }), {
        type: "saveChecked",
        refusal: null,
      });
      expect([s.saveError, s.checked, s.busy]).toEqual([null, true, true]);
    });

    it("refuses a save with the first problem and opens the window it is in, keyboard left", () => {
      const before = loaded(schedule(window("w1"), window("w2")), { focusForm: true });
      const s = run(before, {
        type: "saveChecked",
        refusal: { message: "Window 2: bad end", window: 1 },
      });
      expect([s.saveError, s.checked, s.busy]).toEqual(["Window 2: bad end", true, false]);
      expect([s.selected, s.focusForm]).toEqual(["w2", false]);
    });

    it("leaves the open window as it is for a problem of the whole schedule", () => {
      const before = loaded(schedule(window("w1")), { selected: "w1", focusForm: true });
      const s = run(before, {
        type: "saveChecked",
        refusal: { message: "bad zone", window: null },
      });
      expect([s.saveError, s.selected, s.focusForm]).toEqual(["bad zone", "w1", true]);
    });

    it("is busy from a delete's start until either ends", () => {
      const s = run(loaded(schedule()), { type: "working" });
      expect(s.busy).toBe(true);
      expect(run(s, { type: "done" }).busy).toBe(false);
    });

    it("shows why a save failed beside the save button, and a loading failure apart", () => {
      const s = run(loaded(schedule()), { type: "saveFailed", message: "conflict" });
      expect([s.saveError, s.error]).toEqual(["conflict", null]);
      const f = run(loaded(schedule()), { type: "failed", message: "offline" });
      expect([f.error, f.saveError]).toEqual(["offline", null]);
    });

    it("opens and closes the question before deleting", () => {
      const s = run(loaded(schedule()), { type: "confirmDelete", open: true });
      expect(s.confirmingDelete).toBe(true);
      expect(run(s, { type: "confirmDelete", open: false }).confirmingDelete).toBe(false);
    });
  });

  describe("the district forms", () => {
    it("opens one district form at a time; its button again closes it", () => {
      const creating = run(loaded(schedule()), { type: "toggleDistrictPanel", panel: "create" });
      expect(creating.districtPanel).toBe("create");
      const editing = run(creating, { type: "toggleDistrictPanel", panel: "edit" });
      expect(editing.districtPanel).toBe("edit");
      expect(run(editing, { type: "toggleDistrictPanel", panel: "edit" }).districtPanel).toBe(
        "none",
      );
    });

    it("closes the form once the district is saved", () => {
      const s = run(loaded(schedule()), { type: "toggleDistrictPanel", panel: "create" });
      expect(run(s, { type: "closeDistrictPanel" }).districtPanel).toBe("none");
    });
  });
});
