import type { ScreenShowing } from "../../../../shared/schemas/screen";
import type { Translate } from "../lib/i18n";

/** What a screen shows, in words: the kind of slide and the masked name or title on it. */
export function showingText(showing: ScreenShowing | null, t: Translate): string {
  if (showing === null) return "—";
  const title = showing.title ?? t("screens.showing.gone");
  switch (showing.kind) {
    case "entry":
      return t("screens.showing.entry", { name: title });
    case "list":
      return t("screens.showing.list", {
        page: showing.page ?? 1,
        pages: showing.pages ?? 1,
        name: title,
      });
    case "announcement":
      return t("screens.showing.announcement", { title });
    case "emergency":
      return t("screens.showing.emergency", { title });
    case "idle":
      return t("screens.showing.idle");
    case "blank":
      return t("screens.showing.blank");
    case "other":
      return title;
  }
}
