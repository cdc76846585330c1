import { useCallback, useEffect, useRef, useState } from "react";
import type { UserView } from "../../../shared/schemas/account";
import type { Announcement } from "../../../shared/schemas/announcement";
import type { District } from "../../../shared/schemas/district";
import { ScheduleSchema, type Schedule, type TimeWindow } from "../../../shared/schemas/schedule";
import { holdsSomewhere } from "./access";
import { fetchAnnouncements } from "./api";
import { ConfirmGroup } from "./ConfirmGroup";
import { DataTable } from "./DataTable";
import { DistrictForm } from "./DistrictForm";
import { DistrictSelect } from "./DistrictPickers";
import { districtLabel, fetchDistricts } from "./districtsApi";
import { Field } from "./Field";
import { FormAlert } from "./FormAlert";
import { useI18n } from "./i18n";
import { SchedulePreview } from "./SchedulePreview";
import { ScheduleWindowForm, type WindowField } from "./ScheduleWindowForm";
import {
  deleteSchedule,
  fetchSchedule,
  saveSchedule,
  type EffectiveSchedule,
} from "./schedulesApi";
import { sourceText, windowSummary } from "./scheduleText";
import { StatusNotice } from "./StatusNotice";
import { useFail } from "./useFail";
import { useFocusOnMount } from "./useFocusOnMount";
import { useNotice } from "./useNotice";
import { WeekTimeline } from "./WeekTimeline";

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
export function SchedulesPage({
  user,
  onAuthFailure,
}: {
  user: UserView;
  /** Takes over when a request failed because of the session; true when it did. */
  onAuthFailure: (err: unknown) => boolean;
}) {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const isAdmin = holdsSomewhere(user, ["admin"]);
  const [districts, setDistricts] = useState<District[]>([]);
  const [announcements, setAnnouncements] = useState<Announcement[]>([]);
  const [districtId, setDistrictId] = useState("");
  const [effective, setEffective] = useState<EffectiveSchedule | null>(null);
  const [draft, setDraft] = useState<Schedule | null>(null);
  const [dirty, setDirty] = useState(false);
  const [selected, setSelected] = useState<string | null>(null);
  const [focusForm, setFocusForm] = useState(false);
  // A district chosen while the draft has unsaved changes: asked about before switching.
  const [switchTo, setSwitchTo] = useState<string | null>(null);
  const [creatingDistrict, setCreatingDistrict] = useState(false);
  const [editingDistrict, setEditingDistrict] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [saveError, setSaveError] = useState<string | null>(null);
  const [checked, setChecked] = useState(false);
  const [confirmingDelete, setConfirmingDelete] = useState(false);
  const [busy, setBusy] = useState(false);
  const notices = useNotice();
  const { announce } = notices;

  const fail = useFail(onAuthFailure);

  /** Opens a window in the form; `focus` moves the keyboard to the form's heading. */
  const open = (id: string | null, focus: boolean) => {
    setSelected(id);
    setFocusForm(focus);
  };

  const loadDistricts = useCallback(async (): Promise<District[]> => {
    const list = await fetchDistricts();
    setDistricts(list);
    return list;
  }, []);

  useEffect(() => {
    loadDistricts().then(
      (list) => setDistrictId((id) => (id === "" ? (list[0]?.id ?? "") : id)),
      (err: unknown) => fail(err, setError),
    );
    fetchAnnouncements().then(setAnnouncements, (err: unknown) => fail(err, setError));
    // Loaded once per visit.
  }, []);

  const district = districts.find((d) => d.id === districtId) ?? null;

  const take = useCallback((e: EffectiveSchedule, timeZone: string) => {
    setEffective(e);
    setDraft(e.schedule ? structuredClone(e.schedule) : { timeZone, windows: [] });
    setDirty(false);
    setChecked(false);
    setSelected(null);
    setConfirmingDelete(false);
  }, []);

  // The district chosen now: a schedule loaded, saved or deleted for one no longer chosen
  // (another was picked meanwhile) is not loaded into that other district's form.
  const chosen = useRef(districtId);
  useEffect(() => {
    chosen.current = districtId;
  }, [districtId]);
  const takeIfChosen = (id: string, e: EffectiveSchedule, timeZone: string): void => {
    if (chosen.current === id) take(e, timeZone);
  };

  useEffect(() => {
    if (districtId === "" || !district) return;
    setEffective(null);
    setDraft(null);
    const id = districtId;
    fetchSchedule(id).then(
      (e) => takeIfChosen(id, e, district.timeZone),
      (err: unknown) => {
        if (chosen.current === id) fail(err, setError);
      },
    );
    // A new district chosen loads its schedule; the district list itself changes nothing.
  }, [districtId, district?.timeZone]);

  const label = (id: string) => districtLabel(districts, id, language);
  const editedDistrict = districts.find((d) => d.id === districtId);
  const announcementTitle = (id: string) => announcements.find((a) => a.id === id)?.title ?? id;

  const change = (next: Schedule) => {
    setDraft(next);
    setDirty(true);
    setSaveError(null);
  };
  const changeWindow = (id: string, patch: (w: TimeWindow) => TimeWindow) => {
    if (!draft) return;
    change({ ...draft, windows: draft.windows.map((w) => (w.id === id ? patch(w) : w)) });
  };
  const addWindow = (days: number[], start: string, end: string, byKeyboard: boolean) => {
    if (!draft) return;
    const w = newWindow(draft.windows, days, start, end);
    change({ ...draft, windows: [...draft.windows, w] });
    open(w.id, byKeyboard);
    announce((tr) => tr("schedules.added", { n: draft.windows.length + 1 }), false);
  };

  const check = draft ? checkSchedule(draft) : null;

  const save = async (): Promise<void> => {
    if (!draft || !district) return;
    setSaveError(null);
    setChecked(true);
    const problems = checkSchedule(draft);
    if (problems.first) {
      const { window: w, message } = problems.first;
      setSaveError(w === null ? message : t("schedules.windowProblem", { n: w + 1, message }));
      if (w !== null) open(draft.windows[w]?.id ?? null, false);
      return;
    }
    setBusy(true);
    try {
      takeIfChosen(district.id, await saveSchedule(district.id, draft), district.timeZone);
      const name = label(district.id);
      announce((tr) => tr("schedules.saved", { district: name }));
    } catch (err) {
      fail(err, setSaveError);
    } finally {
      setBusy(false);
    }
  };

  const inherit = async (): Promise<void> => {
    if (!district) return;
    setBusy(true);
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
      fail(err, setSaveError);
    } finally {
      setBusy(false);
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
            aria-expanded={creatingDistrict}
            onClick={() => {
              setCreatingDistrict(!creatingDistrict);
              setEditingDistrict(false);
            }}
          >
            {t("district.newOpen")}
          </button>
          {districtId !== "" && (
            <button
              type="button"
              className="secondary"
              aria-expanded={editingDistrict}
              onClick={() => {
                setEditingDistrict(!editingDistrict);
                setCreatingDistrict(false);
              }}
            >
              {t("district.editOpen")}
            </button>
          )}
        </div>
      )}
      {isAdmin && editingDistrict && editedDistrict && (
        <DistrictForm
          // A new form for each district: its fields start from that district's settings.
          key={districtId}
          districts={districts}
          districtLabel={label}
          fail={fail}
          editing={editedDistrict}
          onCreated={(d) => {
            setEditingDistrict(false);
            void loadDistricts();
            announce((tr) =>
              tr("district.saved", {
                name: language === "zh-CN" ? d.nameZh : d.nameEn,
                id: d.id,
              }),
            );
          }}
        />
      )}
      {isAdmin && creatingDistrict && (
        <DistrictForm
          districts={districts}
          districtLabel={label}
          fail={fail}
          onCreated={(d) => {
            setCreatingDistrict(false);
            void loadDistricts().then(() => setDistrictId(d.id));
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
            onChange={(id) => {
              if (id === "" || id === districtId) return;
              if (dirty) setSwitchTo(id);
              else setDistrictId(id);
            }}
            emptyLabel={t("screens.pickDistrict")}
          />
        </div>
      )}
      {switchTo !== null && district && (
        <ConfirmGroup
          label={t("schedules.switchLabel")}
          question={t("schedules.switchConfirm", { district: label(district.id) })}
          yes={t("schedules.switchYes")}
          no={t("schedules.switchNo")}
          onYes={() => {
            setDistrictId(switchTo);
            setSwitchTo(null);
          }}
          onNo={() => setSwitchTo(null)}
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
            onResize={(id, times) => changeWindow(id, (w) => ({ ...w, ...times }))}
          />
          {draft.windows.length === 0 ? (
            <p>{t("schedules.noWindows")}</p>
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
              onChange={(w) => changeWindow(selectedWindow.id, () => w)}
              onRemove={() => {
                change({
                  ...draft,
                  windows: draft.windows.filter((w) => w.id !== selectedWindow.id),
                });
                setSelected(null);
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
          </fieldset>
          <div className="save-bar">
            <FormAlert message={saveError} />
            <p className="hint">{dirty ? t("schedules.unsaved") : t("schedules.noChanges")}</p>
            <div className="toolbar">
              <button type="button" disabled={busy || !dirty} onClick={() => void save()}>
                {busy ? t("common.saving") : t("schedules.save", { district: label(district.id) })}
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
                <button type="button" className="danger" onClick={() => setConfirmingDelete(true)}>
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
                onNo={() => setConfirmingDelete(false)}
              />
            )}
          </div>
          <SchedulePreview
            key={district.id}
            districtId={district.id}
            timeZone={effective.schedule?.timeZone ?? district.timeZone}
            idleSlide={effective.schedule?.idleSlide}
            announcements={announcements}
            unsaved={dirty}
            fail={fail}
          />
        </>
      )}
    </main>
  );
}
