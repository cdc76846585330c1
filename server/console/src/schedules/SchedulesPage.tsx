import { useEffect, useEffectEvent, useReducer, useRef, useState } from "react";
import type { Announcement } from "../../../../shared/schemas/announcement";
import {
  ScheduleSchema,
  type EffectiveSchedule,
  type Schedule,
} from "../../../../shared/schemas/schedule";
import { mayAnywhere } from "../lib/access";
import { fetchAnnouncements } from "../lib/api";
import { useI18n } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { useSession } from "../shell/SessionContext";
import { IdleSlideReview } from "./IdleSlideReview";
import { useDistricts } from "../shell/useDistricts";
import { ConfirmGroup } from "../ui/ConfirmGroup";
import { DataTable } from "../ui/DataTable";
import { DistrictSelect } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useNotice } from "../ui/useNotice";
import { DistrictForm } from "./DistrictForm";
import { DistrictSettingsReview } from "./DistrictSettingsReview";
import { initialScheduleEditor, scheduleEditor } from "./scheduleEditor";
import { SchedulePreview } from "./SchedulePreview";
import { deleteSchedule, fetchSchedule, saveSchedule } from "./schedulesApi";
import { sourceText, windowSummary } from "./scheduleText";
import { ScheduleWindowForm, type WindowField } from "./ScheduleWindowForm";
import { WeekTimeline } from "./WeekTimeline";

/** The fields of each window the schema refuses, by window index, and its first sentence. */
function checkSchedule(schedule: Schedule): {
  fields: Map<number, Set<WindowField>>;
  first: { window: number | null; message: string } | null;
} {
  const parsed = ScheduleSchema.safeParse(schedule);
  const fields = new Map<number, Set<WindowField>>();
  if (parsed.success) return { fields, first: null };
  let first: { window: number | null; message: string } | null = null;
  for (const issue of parsed.error.issues) {
    const [top, index, field] = issue.path;
    const w = top === "windows" && typeof index === "number" ? index : null;
    first ??= { window: w, message: issue.message };
    if (w !== null && typeof field === "string") {
      const set = fields.get(w) ?? new Set<WindowField>();
      set.add(field as WindowField);
      fields.set(w, set);
    }
  }
  return { fields, first };
}

/**
 * Each district's weekly schedule: a timeline to draw and stretch windows with the mouse, a
 * form per window for everything (keyboard included), saving, inheriting the parent's
 * schedule again, and a preview of what the screens play at a chosen time. Admins also create
 * districts here.
 */
export function SchedulesPage() {
  const { user } = useSession();
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const isAdmin = mayAnywhere(user, "district.manage");
  // A moderator reads schedules and approves idle slides; only operators change them.
  const mayEdit = mayAnywhere(user, "schedule.edit");
  const [announcements, setAnnouncements] = useState<Announcement[]>([]);
  const notices = useNotice();
  const { announce } = notices;

  const [editor, dispatch] = useReducer(scheduleEditor, "", initialScheduleEditor);
  const fail = useFail();
  const showError = (message: string) => dispatch({ type: "failed", message });
  const { districts, reload: reloadDistricts } = useDistricts((err) => fail(err, showError));
  const {
    districtId,
    effective,
    draft,
    dirty,
    selected,
    focusForm,
    switchTo,
    districtPanel,
    error,
    saveError,
    checked,
    confirmingDelete,
    busy,
  } = editor;
  // The first district is chosen once the list is there, on opening when it was loaded before
  // (React's way to follow a value that arrives later: set while rendering, not in an effect).
  const firstDistrictId = districts[0]?.id;
  if (districtId === "" && firstDistrictId !== undefined)
    dispatch({ type: "choose", districtId: firstDistrictId });

  /** Opens a window in the form; `focus` moves the keyboard to the form's heading. */
  const open = (id: string | null, focus: boolean) => dispatch({ type: "open", id, focus });

  // An Effect Event, so that a new `fail` (a language switch) loads nothing again.
  const loadOnce = useEffectEvent(() => {
    fetchAnnouncements().then(setAnnouncements, (err: unknown) => fail(err, showError));
  });
  useEffect(() => {
    loadOnce();
    // Loaded once per visit.
  }, []);

  const district = districts.find((d) => d.id === districtId) ?? null;

  const take = (e: EffectiveSchedule, timeZone: string) =>
    dispatch({ type: "take", effective: e, timeZone });

  // The district chosen now: a schedule loaded, saved or deleted for one no longer chosen
  // (another was picked meanwhile) is not loaded into that other district's form.
  const chosen = useRef(districtId);
  useEffect(() => {
    chosen.current = districtId;
  }, [districtId]);
  const takeIfChosen = (id: string, e: EffectiveSchedule, timeZone: string): void => {
    if (chosen.current === id) take(e, timeZone);
  };

  // An Effect Event: what the effect below runs, with the `fail` of the moment it runs.
  const loadSchedule = useEffectEvent((id: string, timeZone: string) => {
    dispatch({ type: "loading" });
    fetchSchedule(id).then(
      (e) => takeIfChosen(id, e, timeZone),
      (err: unknown) => {
        if (chosen.current === id) fail(err, showError);
      },
    );
  });
  const districtTimeZone = district?.timeZone;
  useEffect(() => {
    if (districtId === "" || districtTimeZone === undefined) return;
    loadSchedule(districtId, districtTimeZone);
    // A new district chosen loads its schedule; the district list itself changes nothing.
  }, [districtId, districtTimeZone]);

  const label = (id: string) => districtLabel(districts, id, language);
  const editedDistrict = districts.find((d) => d.id === districtId);
  const announcementTitle = (id: string) => announcements.find((a) => a.id === id)?.title ?? id;

  const change = (next: Schedule) => dispatch({ type: "edit", draft: next });
  const addWindow = (days: number[], start: string, end: string, byKeyboard: boolean) => {
    if (!draft) return;
    dispatch({ type: "addWindow", days, start, end, byKeyboard });
    announce((tr) => tr("schedules.added", { n: draft.windows.length + 1 }), false);
  };
  const saveFailed = (message: string) => dispatch({ type: "saveFailed", message });

  const check = draft ? checkSchedule(draft) : null;

  const save = async (): Promise<void> => {
    if (!draft || !district) return;
    const problems = checkSchedule(draft);
    if (problems.first) {
      const { window: w, message } = problems.first;
      const text = w === null ? message : t("schedules.windowProblem", { n: w + 1, message });
      dispatch({ type: "saveChecked", refusal: { message: text, window: w } });
      return;
    }
    dispatch({ type: "saveChecked", refusal: null });
    try {
      takeIfChosen(district.id, await saveSchedule(district.id, draft), district.timeZone);
      const name = label(district.id);
      announce((tr) => tr("schedules.saved", { district: name }));
    } catch (err) {
      fail(err, saveFailed);
    } finally {
      dispatch({ type: "done" });
    }
  };

  const inherit = async (): Promise<void> => {
    if (!district) return;
    dispatch({ type: "working" });
    try {
      const e = await deleteSchedule(district.id);
      takeIfChosen(district.id, e, district.timeZone);
      const name = label(district.id);
      const from = e.fromDistrictId;
      announce((tr) =>
        from === null
          ? tr("schedules.deletedNone", { district: name })
          : tr("schedules.deletedInherits", { district: name, from: label(from) }),
      );
    } catch (err) {
      fail(err, saveFailed);
    } finally {
      dispatch({ type: "done" });
    }
  };

  const own = effective !== null && effective.fromDistrictId === districtId;
  const selectedIndex = draft?.windows.findIndex((w) => w.id === selected) ?? -1;
  const selectedWindow = draft?.windows[selectedIndex];

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("schedules.title")}
      </h1>
      {isAdmin && (
        <div className="toolbar">
          <button
            type="button"
            className="secondary"
            aria-expanded={districtPanel === "create"}
            onClick={() => dispatch({ type: "toggleDistrictPanel", panel: "create" })}
          >
            {t("district.newOpen")}
          </button>
          {districtId !== "" && (
            <button
              type="button"
              className="secondary"
              aria-expanded={districtPanel === "edit"}
              onClick={() => dispatch({ type: "toggleDistrictPanel", panel: "edit" })}
            >
              {t("district.editOpen")}
            </button>
          )}
        </div>
      )}
      {isAdmin && districtPanel === "edit" && editedDistrict && (
        <DistrictForm
          // A new form for each district: its fields start from that district's settings.
          key={districtId}
          districts={districts}
          districtLabel={label}
          fail={fail}
          editing={editedDistrict}
          onCreated={(d) => {
            dispatch({ type: "closeDistrictPanel" });
            void reloadDistricts();
            announce((tr) =>
              tr("district.saved", {
                name: language === "zh-CN" ? d.nameZh : d.nameEn,
                id: d.id,
              }),
            );
          }}
        />
      )}
      {isAdmin && districtPanel === "create" && (
        <DistrictForm
          districts={districts}
          districtLabel={label}
          fail={fail}
          onCreated={(d) => {
            dispatch({ type: "closeDistrictPanel" });
            void reloadDistricts().then(() => dispatch({ type: "choose", districtId: d.id }));
            announce((tr) =>
              tr("district.created", {
                name: language === "zh-CN" ? d.nameZh : d.nameEn,
                id: d.id,
              }),
            );
          }}
        />
      )}
      <StatusNotice notices={notices} />
      {error !== null && <p className="error">{error}</p>}
      {districts.length === 0 ? (
        <p>{t("schedules.noDistricts")}</p>
      ) : (
        <div className="row district-pick">
          <DistrictSelect
            label={t("common.district")}
            districts={districts}
            districtLabel={label}
            value={districtId}
            onChange={(id) => dispatch({ type: "pick", districtId: id })}
            emptyLabel={t("screens.pickDistrict")}
          />
        </div>
      )}
      {district && (
        <DistrictSettingsReview
          // Its error and busy state belong to one district (a key of its own among siblings).
          key={`settings-review-${district.id}`}
          district={district}
          districtLabel={label(district.id)}
          user={user}
          fail={fail}
          onApproved={(d) => {
            void reloadDistricts();
            announce((tr) => tr("district.settingsApprovedNow", { district: label(d.id) }));
          }}
        />
      )}
      {switchTo !== null && district && (
        <ConfirmGroup
          label={t("schedules.switchLabel")}
          question={t("schedules.switchConfirm", { district: label(district.id) })}
          yes={t("schedules.switchYes")}
          no={t("schedules.switchNo")}
          onYes={() => dispatch({ type: "switchAnswered", yes: true })}
          onNo={() => dispatch({ type: "switchAnswered", yes: false })}
        />
      )}
      {district && effective && draft && check && (
        <>
          <p className="notice" data-testid="schedule-source">
            {own
              ? t("schedules.own", { district: label(district.id) })
              : effective.fromDistrictId !== null
                ? t("schedules.inherits", {
                    district: label(district.id),
                    from: label(effective.fromDistrictId),
                  })
                : t("schedules.none", { district: label(district.id) })}
            {!own && effective.fromDistrictId !== null && <> {t("schedules.inheritsEdit")}</>}
          </p>
          <div className="section-head">
            <h2>{t("schedules.week")}</h2>
            <button
              type="button"
              className="secondary"
              onClick={() => addWindow([1, 2, 3, 4, 5, 6, 7], "08:00", "20:00", true)}
            >
              {t("schedules.addWindow")}
            </button>
          </div>
          <p className="hint">{t("schedules.timelineHint")}</p>
          <WeekTimeline
            windows={draft.windows}
            selectedId={selected}
            readOnly={false}
            onSelect={(id) => open(id, false)}
            onCreate={({ day, start, end }) => addWindow([day], start, end, false)}
            onResize={(id, times) => dispatch({ type: "resizeWindow", id, times })}
          />
          {draft.windows.length === 0 ? (
            // Without any schedule the screens rotate everything (playbackPlan's fallback); only
            // a saved schedule without windows keeps them blank.
            <p>
              {effective.fromDistrictId !== null
                ? t("schedules.noWindows")
                : t("schedules.noWindowsNoSchedule")}
            </p>
          ) : (
            <DataTable
              caption={t("schedules.windows")}
              columns={[
                t("schedules.window"),
                t("schedules.when"),
                t("schedules.playlist"),
                t("schedules.dwell"),
                t("schedules.priority"),
                t("common.actions"),
              ]}
            >
              {draft.windows.map((w, i) => (
                <tr key={w.id} aria-current={w.id === selected ? "true" : undefined}>
                  <th scope="row">{t("schedules.windowTitle", { n: i + 1 })}</th>
                  <td>
                    {windowSummary(w, t)}
                    {(w.from !== undefined || w.until !== undefined) && (
                      <small className="muted block">
                        {w.from ?? "…"} – {w.until ?? "…"}
                      </small>
                    )}
                  </td>
                  <td>
                    {w.playlist.length === 0
                      ? t("schedules.emptyPlaylist")
                      : w.playlist.map((s) => sourceText(s, t, announcementTitle)).join(", ")}
                  </td>
                  <td>{t("schedules.seconds", { n: w.dwellSeconds })}</td>
                  <td>{w.priority}</td>
                  <td>
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={t("schedules.editNamed", { n: i + 1 })}
                      aria-pressed={w.id === selected}
                      onClick={() => open(w.id === selected ? null : w.id, true)}
                    >
                      {t("schedules.edit")}
                    </button>
                  </td>
                </tr>
              ))}
            </DataTable>
          )}
          {selectedWindow && (
            <ScheduleWindowForm
              key={selectedWindow.id}
              window={selectedWindow}
              number={selectedIndex + 1}
              announcements={announcements}
              invalid={checked ? (check.fields.get(selectedIndex) ?? new Set()) : new Set()}
              readOnly={false}
              focusOnOpen={focusForm}
              onChange={(w) =>
                dispatch({ type: "replaceWindow", id: selectedWindow.id, window: w })
              }
              onRemove={() => {
                dispatch({ type: "removeWindow", id: selectedWindow.id });
                const n = selectedIndex + 1;
                announce((tr) => tr("schedules.removed", { n }));
              }}
            />
          )}
          <fieldset className="sources schedule-settings">
            <legend>{t("schedules.settings")}</legend>
            <div className="row">
              <Field
                label={t("district.timeZone")}
                hint={t("district.timeZoneHint")}
                value={draft.timeZone}
                maxLength={64}
                onChange={(e) => change({ ...draft, timeZone: e.target.value })}
              />
              <Field
                label={t("schedules.idleTitle")}
                hint={t("schedules.idleHint")}
                value={draft.idleSlide?.title ?? ""}
                maxLength={120}
                onChange={(e) => {
                  const { idleSlide: _drop, ...rest } = draft;
                  change(
                    e.target.value === ""
                      ? rest
                      : {
                          ...rest,
                          idleSlide: { title: e.target.value, body: draft.idleSlide?.body ?? "" },
                        },
                  );
                }}
              />
            </div>
            {draft.idleSlide && (
              <label>
                {t("schedules.idleBody")}
                <textarea
                  value={draft.idleSlide.body}
                  rows={2}
                  maxLength={2000}
                  onChange={(e) =>
                    draft.idleSlide &&
                    change({ ...draft, idleSlide: { ...draft.idleSlide, body: e.target.value } })
                  }
                />
              </label>
            )}
            {district && effective && (
              <IdleSlideReview
                districtId={district.id}
                effective={effective}
                dirty={dirty}
                user={user}
                fail={fail}
                onApproved={(e) => {
                  takeIfChosen(district.id, e, district.timeZone);
                  const name = label(district.id);
                  announce((tr) => tr("schedules.idleApprovedNow", { district: name }));
                }}
              />
            )}
          </fieldset>
          {mayEdit ? (
            <div className="save-bar">
              <FormAlert message={saveError} />
              <p className="hint">{dirty ? t("schedules.unsaved") : t("schedules.noChanges")}</p>
              <div className="toolbar">
                <button type="button" disabled={busy || !dirty} onClick={() => void save()}>
                  {busy
                    ? t("common.saving")
                    : t("schedules.save", { district: label(district.id) })}
                </button>
                <button
                  type="button"
                  className="secondary"
                  disabled={busy || !dirty}
                  onClick={() => take(effective, district.timeZone)}
                >
                  {t("schedules.discard")}
                </button>
                {own && !confirmingDelete && (
                  <button
                    type="button"
                    className="danger"
                    onClick={() => dispatch({ type: "confirmDelete", open: true })}
                  >
                    {t("schedules.delete")}
                  </button>
                )}
              </div>
              {own && confirmingDelete && (
                <ConfirmGroup
                  label={t("schedules.deleteConfirmLabel")}
                  question={
                    district.parentId === null
                      ? t("schedules.deleteConfirmCity", { district: label(district.id) })
                      : t("schedules.deleteConfirm", {
                          district: label(district.id),
                          parent: label(district.parentId),
                        })
                  }
                  yes={t("schedules.deleteYes")}
                  no={t("common.cancel")}
                  busy={busy}
                  onYes={() => void inherit()}
                  onNo={() => dispatch({ type: "confirmDelete", open: false })}
                />
              )}
            </div>
          ) : (
            <p className="hint">{t("schedules.readOnly")}</p>
          )}
          <SchedulePreview
            key={district.id}
            districtId={district.id}
            timeZone={effective.schedule?.timeZone ?? district.timeZone}
            // What the screens show: the idle slide approved, not one still waiting.
            idleSlide={effective.idleSlideReview?.onScreens ?? undefined}
            announcements={announcements}
            unsaved={dirty}
            fail={fail}
          />
        </>
      )}
    </main>
  );
}
