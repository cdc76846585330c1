import { useEffect, useEffectEvent, useRef, useState, type FormEvent } from "react";
import type { Announcement, Language } from "../../../../shared/schemas/announcement";
import { fetchAnnouncements, postAnnouncement } from "../lib/api";
import { describeError } from "../lib/describeError";
import { useI18n } from "../lib/i18n";
import { useSession } from "../shell/SessionContext";
import { useFocusOnMount } from "../ui/useFocusOnMount";

/** Post an announcement to every screen and see what is published. */
export function AnnouncementsPage() {
  const { onAuthFailure } = useSession();
  const { t, language: uiLanguage } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const titleInput = useRef<HTMLInputElement>(null);
  const [items, setItems] = useState<Announcement[]>([]);
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [language, setLanguage] = useState<Language>("zh-CN");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);
  const [titleMissing, setTitleMissing] = useState(false);

  // An Effect Event, so that a new `t` (a language switch) loads nothing again.
  const load = useEffectEvent(() => {
    fetchAnnouncements().then(setItems, (err: unknown) => {
      if (!onAuthFailure(err)) setMessage({ kind: "error", text: describeError(err, t) });
    });
  });
  useEffect(() => {
    load();
    // Loaded once per visit; a language switch only changes how the list is shown.
  }, []);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setMessage(null);
    setTitleMissing(title === "");
    // Only an empty title is caught here; whitespace goes to the server, which says why.
    if (title === "") {
      setMessage({
        kind: "error",
        text: t("error.required", { field: t("announcements.titleField") }),
      });
      titleInput.current?.focus();
      return;
    }
    setBusy(true);
    try {
      const created = await postAnnouncement({ title, body, language, tags: [] });
      setItems((prev) => [...prev, created]);
      setTitle("");
      setBody("");
      setMessage({
        kind: "ok",
        text: t("announcements.published", { title: created.title, version: created.version }),
      });
    } catch (err) {
      if (!onAuthFailure(err)) setMessage({ kind: "error", text: describeError(err, t) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main id="main">
      <h1 ref={heading} tabIndex={-1}>
        {t("announcements.title")}
      </h1>
      <form onSubmit={(e) => void submit(e)} noValidate aria-label={t("announcements.form")}>
        <label>
          {t("announcements.titleField")}
          <input
            ref={titleInput}
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={120}
            required
            aria-invalid={titleMissing || undefined}
          />
        </label>
        <label>
          {t("announcements.body")}
          <textarea
            value={body}
            onChange={(e) => setBody(e.target.value)}
            maxLength={2000}
            rows={4}
          />
        </label>
        <label>
          {t("announcements.language")}
          <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
            {/* Each language named in itself, the same in either console language. */}
            <option value="zh-CN" lang="zh-CN">
              简体中文
            </option>
            <option value="en" lang="en">
              English
            </option>
          </select>
        </label>
        <button type="submit" disabled={busy}>
          {busy ? t("announcements.publishing") : t("announcements.publish")}
        </button>
        {message && (
          <p role={message.kind === "error" ? "alert" : "status"} className={message.kind}>
            {message.text}
          </p>
        )}
      </form>
      <h2>{t("announcements.list", { count: items.length })}</h2>
      {items.length === 0 ? (
        <p>{t("announcements.empty")}</p>
      ) : (
        <ul className="announcements">
          {[...items].reverse().map((a) => (
            <li key={a.id} lang={a.language}>
              <strong>{a.title}</strong>{" "}
              <small lang={uiLanguage}>
                {t("announcements.version", { version: a.version })} ·{" "}
                {new Date(a.createdAt).toLocaleString(uiLanguage)}
              </small>
              {a.body && <p>{a.body}</p>}
            </li>
          ))}
        </ul>
      )}
    </main>
  );
}
