import { useRef, useState, type KeyboardEvent, type PointerEvent } from "react";
import type { Region } from "../../../../shared/schemas/moderation";
import { useI18n } from "../lib/i18n";

/** Smallest region kept when drawing, as a fraction of the photo's side. */
const MIN_SIDE = 0.02;
/** Most regions the server accepts for one photo. */
export const MAX_REGIONS = 20;

type Drag =
  | { kind: "draw"; x0: number; y0: number }
  | { kind: "move"; index: number; dx: number; dy: number }
  | { kind: "resize"; index: number };

const clamp = (v: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, v));

/** Keeps a region inside the photo and at least MIN_SIDE on each side. */
function fit(r: Region): Region {
  const width = clamp(r.width, MIN_SIDE, 1);
  const height = clamp(r.height, MIN_SIDE, 1);
  return { x: clamp(r.x, 0, 1 - width), y: clamp(r.y, 0, 1 - height), width, height };
}

/**
 * Draws, moves, resizes and deletes face regions over a photo. Regions are fractions (0–1) of
 * the upright photo, as the server takes them, so they do not depend on the size shown here.
 * Pointer: drag on the photo to draw, drag a region to move it, drag its corner to resize.
 * Keyboard: "Add region", then on a region: arrows move, Shift+arrows resize, Delete removes.
 */
export function RegionEditor({
  src,
  alt,
  regions,
  onChange,
}: {
  src: string;
  alt: string;
  regions: readonly Region[];
  onChange: (regions: Region[]) => void;
}) {
  const { t } = useI18n();
  const surface = useRef<HTMLDivElement>(null);
  const [drag, setDrag] = useState<Drag | null>(null);
  const [draft, setDraft] = useState<Region | null>(null);
  const [selected, setSelected] = useState<number | null>(null);

  const point = (e: PointerEvent): { x: number; y: number } => {
    const box = surface.current?.getBoundingClientRect();
    if (!box || box.width === 0 || box.height === 0) return { x: 0, y: 0 };
    return {
      x: clamp((e.clientX - box.left) / box.width, 0, 1),
      y: clamp((e.clientY - box.top) / box.height, 0, 1),
    };
  };
  const replace = (index: number, r: Region): void =>
    onChange(regions.map((old, i) => (i === index ? fit(r) : old)));
  const remove = (index: number): void => {
    onChange(regions.filter((_, i) => i !== index));
    setSelected(null);
  };

  const down = (e: PointerEvent<HTMLDivElement>): void => {
    if (e.button !== 0) return;
    const p = point(e);
    const target = e.target instanceof HTMLElement ? e.target : null;
    const index = Number(target?.closest<HTMLElement>("[data-region]")?.dataset["region"] ?? NaN);
    surface.current?.setPointerCapture(e.pointerId);
    e.preventDefault();
    if (!Number.isNaN(index)) {
      const r = regions[index];
      if (!r) return;
      setSelected(index);
      setDrag(
        target?.dataset["handle"] !== undefined
          ? { kind: "resize", index }
          : { kind: "move", index, dx: p.x - r.x, dy: p.y - r.y },
      );
      return;
    }
    if (regions.length >= MAX_REGIONS) return;
    setSelected(null);
    setDrag({ kind: "draw", x0: p.x, y0: p.y });
    setDraft({ x: p.x, y: p.y, width: 0, height: 0 });
  };

  /** The rectangle drawn so far, from where the drag began to the pointer. */
  const drawn = (d: Extract<Drag, { kind: "draw" }>, e: PointerEvent): Region => {
    const p = point(e);
    return {
      x: Math.min(d.x0, p.x),
      y: Math.min(d.y0, p.y),
      width: Math.abs(p.x - d.x0),
      height: Math.abs(p.y - d.y0),
    };
  };

  const move = (e: PointerEvent<HTMLDivElement>): void => {
    if (!drag) return;
    const p = point(e);
    if (drag.kind === "draw") {
      setDraft(drawn(drag, e));
      return;
    }
    const r = regions[drag.index];
    if (!r) return;
    if (drag.kind === "move") replace(drag.index, { ...r, x: p.x - drag.dx, y: p.y - drag.dy });
    else replace(drag.index, { ...r, width: p.x - r.x, height: p.y - r.y });
  };

  // The region ends where the pointer is let go, not where the last drawn move left the
  // draft: a release can come before that move's render.
  const up = (e: PointerEvent<HTMLDivElement>): void => {
    const r = drag?.kind === "draw" ? drawn(drag, e) : null;
    if (r && r.width >= MIN_SIDE && r.height >= MIN_SIDE) {
      onChange([...regions, fit(r)]);
      setSelected(regions.length);
    }
    setDrag(null);
    setDraft(null);
  };

  const key = (index: number) => (e: KeyboardEvent<HTMLButtonElement>) => {
    const r = regions[index];
    if (!r) return;
    const step = e.altKey ? 0.002 : 0.01;
    const arrows: Record<string, [number, number]> = {
      ArrowLeft: [-step, 0],
      ArrowRight: [step, 0],
      ArrowUp: [0, -step],
      ArrowDown: [0, step],
    };
    const d = arrows[e.key];
    if (d) {
      e.preventDefault();
      replace(
        index,
        e.shiftKey
          ? { ...r, width: r.width + d[0], height: r.height + d[1] }
          : { ...r, x: r.x + d[0], y: r.y + d[1] },
      );
    } else if (e.key === "Delete" || e.key === "Backspace") {
      e.preventDefault();
      remove(index);
    }
  };

  const pct = (v: number): string => `${(v * 100).toFixed(3)}%`;
  const style = (r: Region) => ({
    left: pct(r.x),
    top: pct(r.y),
    width: pct(r.width),
    height: pct(r.height),
  });

  return (
    <div className="region-editor">
      <p className="hint" id="region-help">
        {t("regions.help")}
      </p>
      <div
        ref={surface}
        className="region-surface"
        onPointerDown={down}
        onPointerMove={move}
        onPointerUp={up}
        onPointerCancel={() => {
          // A gesture the browser took over adds nothing.
          setDrag(null);
          setDraft(null);
        }}
      >
        <img src={src} alt={alt} draggable={false} />
        {regions.map((r, i) => (
          <button
            key={i}
            type="button"
            data-region={i}
            className="region"
            style={style(r)}
            aria-pressed={selected === i}
            aria-label={t("regions.region", {
              n: i + 1,
              x: Math.round(r.x * 100),
              y: Math.round(r.y * 100),
              w: Math.round(r.width * 100),
              h: Math.round(r.height * 100),
            })}
            aria-describedby="region-help"
            onFocus={() => setSelected(i)}
            onKeyDown={key(i)}
          >
            <span className="region-number" aria-hidden="true">
              {i + 1}
            </span>
            <span className="region-handle" data-handle="" aria-hidden="true" />
          </button>
        ))}
        {draft && <div className="region draft" style={style(draft)} aria-hidden="true" />}
      </div>
      <div className="toolbar">
        <button
          type="button"
          className="secondary small"
          disabled={regions.length >= MAX_REGIONS}
          onClick={() => {
            onChange([...regions, { x: 0.35, y: 0.2, width: 0.3, height: 0.3 }]);
            setSelected(regions.length);
          }}
        >
          {t("regions.add")}
        </button>
        <button
          type="button"
          className="secondary small"
          disabled={selected === null || regions[selected] === undefined}
          onClick={() => selected !== null && remove(selected)}
        >
          {t("regions.delete")}
        </button>
        <span className="muted">{t("regions.count", { n: regions.length, max: MAX_REGIONS })}</span>
      </div>
    </div>
  );
}
