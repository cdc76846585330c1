import type { Language, PosterLayout } from "../../../../shared/schemas/announcement";
import { useI18n } from "../lib/i18n";
import "./announcements.css";

/** What a preview shows: the text, its language, and the poster (an image address) if any. */
export interface PreviewContent {
  title: string;
  body: string;
  language: Language;
  layout: PosterLayout;
  /** The image to show as the poster, or null for none. */
  posterSrc: string | null;
}

/**
 * The announcement as a screen will show it, in a landscape and a portrait screen scaled down:
 * the kiosk's dark slide with its large title, and the poster beside the text or filling the
 * screen.
 */
export function AnnouncementPreview({
  content,
  label,
}: {
  content: PreviewContent;
  /** The group's accessible name. */
  label: string;
}) {
  const { t } = useI18n();
  return (
    <div className="ann-previews" role="group" aria-label={label}>
      {(["landscape", "portrait"] as const).map((o) => (
        <figure key={o}>
          <figcaption>{t(o === "landscape" ? "ann.landscape" : "ann.portrait")}</figcaption>
          <div className={`ann-screen ${o}`} data-testid={`preview-${o}`}>
            <Slide content={content} />
          </div>
        </figure>
      ))}
    </div>
  );
}

/** One slide, as display/renderer/src/view.ts builds an announcement's. */
function Slide({ content }: { content: PreviewContent }) {
  const { t } = useI18n();
  const { title, body, language, layout, posterSrc } = content;
  const poster =
    posterSrc === null ? null : (
      <img className="ann-poster" src={posterSrc} alt={t("ann.posterAlt", { title })} />
    );
  if (poster !== null && layout === "full") return <div className="ann-slide full">{poster}</div>;
  return (
    <div className={`ann-slide${poster !== null ? " beside" : ""}`} lang={language}>
      <div className="ann-text">
        <div className="ann-kind">{language === "en" ? "NOTICE" : "公告"}</div>
        <p className="ann-title">{title === "" ? "…" : title}</p>
        {body !== "" && <p className="ann-body">{body}</p>}
      </div>
      {poster}
    </div>
  );
}
