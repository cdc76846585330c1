import type { EffectiveSchedule, Schedule, TimeWindow } from "../../../../shared/schemas/schedule";

/** Everything the schedules page edits and shows besides the loaded lists, in one place. */
export interface ScheduleEditorState {
  /** The chosen district; "" until the district list has loaded. */
  districtId: string;
  /** The district's schedule as the server last answered it (own or inherited); null while loading. */
  effective: EffectiveSchedule | null;
  /** The schedule being edited; null while loading. */
  draft: Schedule | null;
  /** Whether `draft` differs from what was loaded or saved. */
  dirty: boolean;
  /** The window open in the form. */
  selected: string | null;
  /** Whether opening that window moves the keyboard to its form (opened from a button). */
  focusForm: boolean;
  /** A district chosen while the draft has unsaved changes: asked about before switching. */
  switchTo: string | null;
  /** The admins' district form that is open, if any: a new district or the chosen one. */
  districtPanel: "none" | "create" | "edit";
  /** A failure of loading (districts, announcements or a schedule). */
  error: string | null;
  /** Why the last save or delete did not go through. */
  saveError: string | null;
  /** Whether a save was tried, so that the refused fields are marked from then on. */
  checked: boolean;
  confirmingDelete: boolean;
  /** A save or delete under way. */
  busy: boolean;
}

/** What can happen to the schedule editor, from the user or from the server's answers. */
export type ScheduleEditorAction =
  /** A district picked in the list: switched to at once, or asked about when the draft is unsaved. */
  | { type: "pick"; districtId: string }
  /** A district chosen without asking: the first one loaded, or one just created. */
  | { type: "choose"; districtId: string }
  /** The answer to "switch and drop the unsaved changes?". */
  | { type: "switchAnswered"; yes: boolean }
  /** A schedule is being loaded for the chosen district. */
  | { type: "loading" }
  /** A schedule the server answered (loaded, saved or deleted), or the last one again on "discard". */
  | { type: "take"; effective: EffectiveSchedule; timeZone: string }
  /** The draft with a change of its own settings (time zone, idle slide). */
  | { type: "edit"; draft: Schedule }
  /** A window added (drawn on the timeline or from the button) and opened in the form. */
  | { type: "addWindow"; days: number[]; start: string; end: string; byKeyboard: boolean }
  /** A window changed in its form. */
  | { type: "replaceWindow"; id: string; window: TimeWindow }
  /** A window's start or end dragged on the timeline. */
  | { type: "resizeWindow"; id: string; times: { start?: string; end?: string } }
  | { type: "removeWindow"; id: string }
  /** A window opened in the form (or none); `focus` moves the keyboard there. */
  | { type: "open"; id: string | null; focus: boolean }
  /** The check before saving: null when the draft passed (the save starts), else its first problem. */
  | { type: "saveChecked"; refusal: { message: string; window: number | null } | null }
  /** A delete starts. */
  | { type: "working" }
  /** A save or delete ended, either way. */
  | { type: "done" }
  | { type: "saveFailed"; message: string }
  | { type: "failed"; message: string }
  /** The "new district" or "edit district" button: opens that form, or closes it when open. */
  | { type: "toggleDistrictPanel"; panel: "create" | "edit" }
  /** A district was created or saved: its form closes. */
  | { type: "closeDistrictPanel" }
  | { type: "confirmDelete"; open: boolean };

/** The editor as the page opens, on `districtId` ("" when the district list is not there yet). */
export function initialScheduleEditor(districtId: string): ScheduleEditorState {
  return {
    districtId,
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
  };
}

/** A window id no other window of the schedule has. */
function newWindowId(windows: readonly TimeWindow[]): string {
  for (let n = windows.length + 1; ; n++) {
    const id = `w${n}`;
    if (!windows.some((w) => w.id === id)) return id;
  }
}

/** A new window with the usual playlist: the district's discredited list, 10 s a slide. */
function newWindow(
  windows: readonly TimeWindow[],
  days: number[],
  start: string,
  end: string,
): TimeWindow {
  return {
    id: newWindowId(windows),
    days,
    start,
    end,
    playlist: [{ type: "discredited" }],
    dwellSeconds: 10,
    order: "sequence",
    priority: 0,
  };
}

/** The draft changed: unsaved now, and the last save's complaint no longer applies. */
function edited(state: ScheduleEditorState, draft: Schedule): ScheduleEditorState {
  return { ...state, draft, dirty: true, saveError: null };
}

/** The draft with the window `id` replaced by what `change` makes of it. */
function withWindow(
  state: ScheduleEditorState,
  id: string,
  change: (w: TimeWindow) => TimeWindow,
): ScheduleEditorState {
  const { draft } = state;
  if (!draft) return state;
  return edited(state, {
    ...draft,
    windows: draft.windows.map((w) => (w.id === id ? change(w) : w)),
  });
}

/** The schedule editor's transitions; pure, so each can be tested without a browser. */
export function scheduleEditor(
  state: ScheduleEditorState,
  action: ScheduleEditorAction,
): ScheduleEditorState {
  switch (action.type) {
    case "pick":
      if (action.districtId === "" || action.districtId === state.districtId) return state;
      return state.dirty
        ? { ...state, switchTo: action.districtId }
        : { ...state, districtId: action.districtId };
    case "choose":
      return { ...state, districtId: action.districtId };
    case "switchAnswered":
      if (state.switchTo === null) return state;
      return action.yes
        ? { ...state, districtId: state.switchTo, switchTo: null }
        : { ...state, switchTo: null };
    case "loading":
      return { ...state, effective: null, draft: null };
    case "take": {
      const { effective, timeZone } = action;
      return {
        ...state,
        effective,
        // A copy, so that editing the draft leaves the loaded schedule as it was (for "discard").
        draft: effective.schedule ? structuredClone(effective.schedule) : { timeZone, windows: [] },
        dirty: false,
        checked: false,
        selected: null,
        confirmingDelete: false,
      };
    }
    case "edit":
      return edited(state, action.draft);
    case "addWindow": {
      const { draft } = state;
      if (!draft) return state;
      const w = newWindow(draft.windows, action.days, action.start, action.end);
      return {
        ...edited(state, { ...draft, windows: [...draft.windows, w] }),
        selected: w.id,
        focusForm: action.byKeyboard,
      };
    }
    case "replaceWindow":
      return withWindow(state, action.id, () => action.window);
    case "resizeWindow":
      return withWindow(state, action.id, (w) => ({ ...w, ...action.times }));
    case "removeWindow": {
      const { draft } = state;
      if (!draft) return state;
      return {
        ...edited(state, { ...draft, windows: draft.windows.filter((w) => w.id !== action.id) }),
        selected: null,
      };
    }
    case "open":
      return { ...state, selected: action.id, focusForm: action.focus };
    case "saveChecked": {
      const { refusal } = action;
      if (refusal === null) return { ...state, saveError: null, checked: true, busy: true };
      const opened =
        refusal.window === null
          ? {}
          : { selected: state.draft?.windows[refusal.window]?.id ?? null, focusForm: false };
      return { ...state, saveError: refusal.message, checked: true, ...opened };
    }
    case "working":
      return { ...state, busy: true };
    case "done":
      return { ...state, busy: false };
    case "saveFailed":
      return { ...state, saveError: action.message };
    case "failed":
      return { ...state, error: action.message };
    case "toggleDistrictPanel":
      return {
        ...state,
        districtPanel: state.districtPanel === action.panel ? "none" : action.panel,
      };
    case "closeDistrictPanel":
      return { ...state, districtPanel: "none" };
    case "confirmDelete":
      return { ...state, confirmingDelete: action.open };
  }
}
