import { useEffect, useState, type FormEvent } from "react";
import type { Announcement, Language } from "../../../shared/schemas/announcement";
import { fetchAnnouncements, postAnnouncement } from "./api";

/** Post an announcement to every screen and see what is published. */
export function AnnouncementsPage() {
  const [items, setItems] = useState<Announcement[]>([]);
  const [title, setTitle] = useState("");
  const [body, setBody] = useState("");
  const [language, setLanguage] = useState<Language>("zh-CN");
  const [busy, setBusy] = useState(false);
  const [message, setMessage] = useState<{ kind: "error" | "ok"; text: string } | null>(null);

  useEffect(() => {
    fetchAnnouncements().then(setItems, (err: unknown) =>
      setMessage({ kind: "error", text: err instanceof Error ? err.message : String(err) }),
    );
  }, []);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setBusy(true);
    setMessage(null);
    try {
      const created = await postAnnouncement({ title, body, language, tags: [] });
      setItems((prev) => [...prev, created]);
      setTitle("");
      setBody("");
      setMessage({
        kind: "ok",
        text: `Published “${created.title}” (version ${created.version}).`,
      });
    } catch (err) {
      setMessage({ kind: "error", text: err instanceof Error ? err.message : String(err) });
    } finally {
      setBusy(false);
    }
  };

  return (
    <main>
      <h1>Announcements</h1>
      <form onSubmit={(e) => void submit(e)} aria-label="New announcement">
        <label>
          Title
          <input
            value={title}
            onChange={(e) => setTitle(e.target.value)}
            maxLength={120}
            required
          />
        </label>
        <label>
          Text
          <textarea
            value={body}
            onChange={(e) => setBody(e.target.value)}
            maxLength={2000}
            rows={4}
          />
        </label>
        <label>
          Screen language
          <select value={language} onChange={(e) => setLanguage(e.target.value as Language)}>
            <option value="zh-CN">简体中文</option>
            <option value="en">English</option>
          </select>
        </label>
        <button type="submit" disabled={busy}>
          {busy ? "Publishing…" : "Publish to screens"}
        </button>
        {message && (
          <p role={message.kind === "error" ? "alert" : "status"} className={message.kind}>
            {message.text}
          </p>
        )}
      </form>
      <h2>Published ({items.length})</h2>
      <ul>
        {[...items].reverse().map((a) => (
          <li key={a.id}>
            <strong>{a.title}</strong>{" "}
            <small>
              v{a.version} · {new Date(a.createdAt).toLocaleString()}
            </small>
            {a.body && <p>{a.body}</p>}
          </li>
        ))}
      </ul>
    </main>
  );
}
