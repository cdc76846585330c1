import { LanguageSchema } from "../../../../shared/schemas/announcement";
import { languageNames, useI18n } from "../lib/i18n";

/** Two toggle buttons, 中文 and English, each named in its own language. */
export function LanguageSwitch() {
  const { t, language, setLanguage } = useI18n();
  return (
    <div role="group" aria-label={t("language.label")} className="language-switch">
      {LanguageSchema.options.map((l) => (
        <button
          key={l}
          type="button"
          lang={l}
          aria-pressed={l === language}
          onClick={() => setLanguage(l)}
        >
          {languageNames[l]}
        </button>
      ))}
    </div>
  );
}
