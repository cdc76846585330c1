import { useEffect, useEffectEvent, useId, useRef, useState } from "react";
import type { Announcement } from "../../../../shared/schemas/announcement";
import type { ListLayout, PlaylistSource, TimeWindow } from "../../../../shared/schemas/schedule";
import { useI18n } from "../lib/i18n";
import { Field } from "../ui/Field";
import { SelectField } from "../ui/SelectField";
import { tagsOfText } from "./scheduleText";

const longDayKeys = [
  "dayLong.1",
  "dayLong.2",
  "dayLong.3",
  "dayLong.4",
  "dayLong.5",
  "dayLong.6",
  "dayLong.7",
] as const;

/** Which of a window's fields the last check found wrong. */
export type WindowField =
  | "days"
  | "start"
  | "end"
  | "from"
  | "until"
  | "dwellSeconds"
  | "priority"
  | "playlist"
  | "screenTags";

/** A whole-number text field whose value reaches the window only while it is a number. */
function NumberField({
  label,
  hint,
  value,
  min,
  max,
  invalid,
  onChange,
}: {
  label: string;
  hint?: string;
  value: number;
  min: number;
  max: number;
  invalid: boolean;
  onChange: (n: number) => void;
}) {
  const [text, setText] = useState(String(value));
  useEffect(() => {
    setText((shown) => (Number(shown) === value ? shown : String(value)));
  }, [value]);
  return (
    <Field
      label={label}
      {...(hint !== undefined ? { hint } : {})}
      type="number"
      inputMode="numeric"
      min={min}
      max={max}
      step={1}
      value={text}
      invalid={invalid || !/^-?\d+$/.test(text)}
      onChange={(e) => {
        setText(e.target.value);
        if (/^-?\d+$/.test(e.target.value)) onChange(Number(e.target.value));
      }}
    />
  );
}

/**
 * Every setting of one time window, for the keyboard as much as the mouse: days, start and end,
 * optional first and last date, where its slides come from, which screens play it (tags),
 * dwell, order and priority.
 * Changes go straight into the draft schedule; nothing is sent until the schedule is saved.
 */
export function ScheduleWindowForm({
  window: w,
  number,
  announcements,
  invalid,
  readOnly,
  focusOnOpen,
  onChange,
  onRemove,
}: {
  window: TimeWindow;
  /** The window's number in the list, from 1. */
  number: number;
  announcements: readonly Announcement[];
  invalid: ReadonlySet<WindowField>;
  readOnly: boolean;
  /** Move the keyboard to the form when it opens (opened from a button, not by the mouse). */
  focusOnOpen: boolean;
  onChange: (w: TimeWindow) => void;
  onRemove: () => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const set = (patch: Partial<TimeWindow>) => onChange({ ...w, ...patch });
  const discredited = w.playlist.find((s) => s.type === "discredited");
  const tagged = w.playlist.filter((s) => s.type === "announcementsTagged").map((s) => s.tag);
  const chosen = new Set(w.playlist.flatMap((s) => (s.type === "announcement" ? [s.id] : [])));
  const [tagText, setTagText] = useState(tagged.join(", "));
  const [screenTagText, setScreenTagText] = useState((w.screenTags ?? []).join(", "));
  const heading = useRef<HTMLHeadingElement>(null);

  // An Effect Event: `focusOnOpen` as the form opens; a later change of it moves nothing.
  const focusIfAsked = useEffectEvent(() => {
    if (focusOnOpen) heading.current?.focus();
  });
  useEffect(() => {
    focusIfAsked();
    // Only when the form opens (it is keyed by window).
  }, []);

  /** The playlist with one kind of source replaced by `sources`. */
  const withSources = (
    type: PlaylistSource["type"],
    sources: PlaylistSource[],
  ): PlaylistSource[] => [...w.playlist.filter((s) => s.type !== type), ...sources];
  const toggle = (type: "discredited" | "redlist", on: boolean): void =>
    set({
      playlist: withSources(
        type,
        on ? [type === "redlist" ? { type } : { type: "discredited" }] : [],
      ),
    });

  return (
    <section className="panel" aria-labelledby={`${id}-heading`}>
      <h3 id={`${id}-heading`} ref={heading} tabIndex={-1}>
        {t("schedules.windowTitle", { n: number })}
      </h3>
      <fieldset
        className="checklist"
        disabled={readOnly}
        aria-invalid={invalid.has("days") || undefined}
      >
        <legend>{t("schedules.days")}</legend>
        {longDayKeys.map((k, i) => (
          <label key={k} className="check">
            <input
              type="checkbox"
              checked={w.days.includes(i + 1)}
              onChange={(e) =>
                set({
                  days: e.target.checked
                    ? [...w.days, i + 1].sort((a, b) => a - b)
                    : w.days.filter((d) => d !== i + 1),
                })
              }
            />
            {t(k)}
          </label>
        ))}
      </fieldset>
      <div className="row">
        <Field
          label={t("schedules.start")}
          hint={t("schedules.startHint")}
          value={w.start}
          disabled={readOnly}
          inputMode="numeric"
          maxLength={5}
          invalid={invalid.has("start")}
          onChange={(e) => set({ start: e.target.value })}
        />
        <Field
          label={t("schedules.end")}
          hint={t("schedules.endHint")}
          value={w.end}
          disabled={readOnly}
          inputMode="numeric"
          maxLength={5}
          invalid={invalid.has("end")}
          onChange={(e) => set({ end: e.target.value })}
        />
      </div>
      <div className="row">
        <Field
          label={t("schedules.from")}
          type="date"
          value={w.from ?? ""}
          disabled={readOnly}
          invalid={invalid.has("from")}
          onChange={(e) => {
            const { from: _drop, ...rest } = w;
            onChange(e.target.value === "" ? rest : { ...rest, from: e.target.value });
          }}
        />
        <Field
          label={t("schedules.until")}
          type="date"
          value={w.until ?? ""}
          disabled={readOnly}
          invalid={invalid.has("until")}
          onChange={(e) => {
            const { until: _drop, ...rest } = w;
            onChange(e.target.value === "" ? rest : { ...rest, until: e.target.value });
          }}
        />
      </div>
      <fieldset
        className="sources"
        disabled={readOnly}
        aria-invalid={invalid.has("playlist") || undefined}
      >
        <legend>{t("schedules.playlist")}</legend>
        <p className="hint">{t("schedules.playlistHint")}</p>
        <div className="source-line">
          <label className="check">
            <input
              type="checkbox"
              checked={discredited !== undefined}
              onChange={(e) => toggle("discredited", e.target.checked)}
            />
            {t("source.discreditedChoice")}
          </label>
          {discredited?.type === "discredited" && (
            <SelectField<ListLayout>
              label={t("schedules.layout")}
              value={discredited.layout ?? "single"}
              onChange={(layout) =>
                set({
                  playlist: w.playlist.map((s) =>
                    s.type === "discredited" ? { type: "discredited", layout } : s,
                  ),
                })
              }
              options={[
                ["single", t("schedules.layoutSingle")],
                ["list", t("schedules.layoutList")],
              ]}
            />
          )}
        </div>
        <label className="check">
          <input
            type="checkbox"
            checked={w.playlist.some((s) => s.type === "redlist")}
            onChange={(e) => toggle("redlist", e.target.checked)}
          />
          {t("source.redlistChoice")}
        </label>
        <Field
          label={t("schedules.tags")}
          hint={t("schedules.tagsHint")}
          value={tagText}
          maxLength={300}
          onChange={(e) => {
            setTagText(e.target.value);
            const tags = tagsOfText(e.target.value);
            set({
              playlist: withSources(
                "announcementsTagged",
                tags.map((tag) => ({ type: "announcementsTagged", tag })),
              ),
            });
          }}
        />
        <fieldset className="checklist">
          <legend>{t("schedules.announcements")}</legend>
          {announcements.length === 0 && <p className="hint">{t("schedules.noAnnouncements")}</p>}
          {announcements.map((a) => (
            <label key={a.id} className="check">
              <input
                type="checkbox"
                checked={chosen.has(a.id)}
                onChange={(e) => {
                  const ids = e.target.checked
                    ? [...chosen, a.id]
                    : [...chosen].filter((x) => x !== a.id);
                  set({
                    playlist: withSources(
                      "announcement",
                      ids.map((x) => ({ type: "announcement", id: x })),
                    ),
                  });
                }}
              />
              {a.title}
            </label>
          ))}
        </fieldset>
      </fieldset>
      <Field
        label={t("schedules.screenTags")}
        hint={t("schedules.screenTagsHint")}
        value={screenTagText}
        disabled={readOnly}
        maxLength={700}
        autoComplete="off"
        spellCheck={false}
        invalid={invalid.has("screenTags")}
        onChange={(e) => {
          setScreenTagText(e.target.value);
          // As typed: the schema checks and normalises them when the schedule is saved.
          const screenTags = tagsOfText(e.target.value);
          const { screenTags: _drop, ...rest } = w;
          onChange(screenTags.length === 0 ? rest : { ...rest, screenTags });
        }}
      />
      <div className="row">
        <NumberField
          label={t("schedules.dwell")}
          hint={t("schedules.dwellHint")}
          value={w.dwellSeconds}
          min={3}
          max={3600}
          invalid={invalid.has("dwellSeconds")}
          onChange={(dwellSeconds) => set({ dwellSeconds })}
        />
        <NumberField
          label={t("schedules.priority")}
          hint={t("schedules.priorityHint")}
          value={w.priority}
          min={-1000}
          max={1000}
          invalid={invalid.has("priority")}
          onChange={(priority) => set({ priority })}
        />
        <SelectField<"sequence" | "shuffle">
          label={t("schedules.order")}
          value={w.order}
          onChange={(order) => set({ order })}
          options={[
            ["sequence", t("schedules.orderSequence")],
            ["shuffle", t("schedules.orderShuffle")],
          ]}
        />
      </div>
      {!readOnly && (
        <button type="button" className="secondary" onClick={onRemove}>
          {t("schedules.removeWindow", { n: number })}
        </button>
      )}
    </section>
  );
}
