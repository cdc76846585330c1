import { useId, useRef, useState, type FormEvent, type KeyboardEvent } from "react";
import { ScreenTagSchema } from "../../../../shared/schemas/announcement";
import type { Screen } from "../../../../shared/schemas/screen";
import { useI18n, type Translate } from "../lib/i18n";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import type { Fail } from "../ui/useFail";
import type { Notice } from "../ui/useNotice";
import { setScreenTags } from "./screensApi";
import "./screenTags.css";

/** How many tags a screen may carry (ScreenTagsSchema). */
const MAX_TAGS = 20;

/** A screen's tags as chips, for the screens table; a dash when it has none. */
export function TagChips({ tags, label }: { tags: readonly string[]; label: string }) {
  if (tags.length === 0) return <>—</>;
  return (
    <ul className="chips" aria-label={label}>
      {tags.map((tag) => (
        <li key={tag} className="chip">
          {tag}
        </li>
      ))}
    </ul>
  );
}

/**
 * Edits a screen's tags ("metro", "bus-stop"): chips with a remove button each, an input that
 * adds a tag on Enter or with its button, and a save that sends the whole set. Each tag is
 * checked as the server checks it before it is added; saving makes the screen re-sync at once.
 */
export function ScreenTagsEditor({
  screen,
  fail,
  onSaved,
}: {
  screen: Screen;
  fail: Fail;
  onSaved: (notice: Notice) => void;
}) {
  const { t } = useI18n();
  const id = useId();
  const [tags, setTags] = useState<string[]>(screen.tags);
  const [text, setText] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const input = useRef<HTMLInputElement>(null);
  const dirty = tags.join(",") !== screen.tags.join(",");

  const add = (): void => {
    setError(null);
    if (text.trim() === "") {
      setError(t("error.required", { field: t("screens.tagNew") }));
      return;
    }
    const parsed = ScreenTagSchema.safeParse(text);
    if (!parsed.success) {
      setError(t("screens.tagInvalid", { tag: text.trim() }));
      return;
    }
    if (!tags.includes(parsed.data)) {
      if (tags.length >= MAX_TAGS) {
        setError(t("screens.tagTooMany", { n: MAX_TAGS }));
        return;
      }
      setTags([...tags, parsed.data].sort());
    }
    setText("");
    input.current?.focus();
  };

  const remove = (tag: string): void => {
    setError(null);
    setTags(tags.filter((x) => x !== tag));
    // The chip's button is gone: the keyboard continues in the input.
    input.current?.focus();
  };

  const onKey = (e: KeyboardEvent<HTMLInputElement>): void => {
    // Enter adds the tag typed; it does not save the form.
    if (e.key === "Enter") {
      e.preventDefault();
      add();
    }
  };

  const save = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    setBusy(true);
    try {
      const s = await setScreenTags(screen.id, tags);
      onSaved((tr: Translate) =>
        s.tags.length === 0
          ? tr("screens.tagsCleared", { name: s.name })
          : tr("screens.tagsSaved", { name: s.name, tags: s.tags.join(", ") }),
      );
    } catch (err) {
      fail(err, setError);
    } finally {
      setBusy(false);
    }
  };

  return (
    <form
      className="tag-editor"
      onSubmit={(e) => void save(e)}
      noValidate
      aria-labelledby={`${id}-heading`}
    >
      <h3 id={`${id}-heading`}>{t("screens.tags")}</h3>
      <p className="hint">{t("screens.tagsHint")}</p>
      <FormAlert message={error} />
      {tags.length === 0 ? (
        <p className="muted">{t("screens.noTags")}</p>
      ) : (
        <ul className="chips" aria-label={t("screens.tagsOf", { name: screen.name })}>
          {tags.map((tag) => (
            <li key={tag} className="chip">
              {tag}
              <button
                type="button"
                className="chip-remove"
                aria-label={t("screens.removeTag", { tag })}
                disabled={busy}
                onClick={() => remove(tag)}
              >
                ×
              </button>
            </li>
          ))}
        </ul>
      )}
      <div className="row tag-add">
        <Field
          ref={input}
          label={t("screens.tagNew")}
          hint={t("screens.tagNewHint")}
          value={text}
          maxLength={32}
          autoComplete="off"
          spellCheck={false}
          invalid={error !== null && text !== ""}
          onChange={(e) => setText(e.target.value)}
          onKeyDown={onKey}
        />
        <button type="button" className="secondary" disabled={busy} onClick={add}>
          {t("screens.addTag")}
        </button>
      </div>
      <button type="submit" disabled={busy || !dirty}>
        {busy ? t("common.saving") : t("screens.saveTags")}
      </button>
    </form>
  );
}
