import { useState, type FormEvent } from "react";
import { may } from "../../../../shared/access/permissions";
import {
  AnnouncementStateSchema,
  type AnnouncementState,
  type AnnouncementView,
} from "../../../../shared/schemas/announcement";
import { mayAnywhere } from "../lib/access";
import { useI18n, type Message } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { useSession } from "../shell/SessionContext";
import { useDistricts } from "../shell/useDistricts";
import { DataTable } from "../ui/DataTable";
import { FormAlert } from "../ui/FormAlert";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { useNotice } from "../ui/useNotice";
import { AnnouncementForm, type SaveOutcome } from "./AnnouncementForm";
import { posterText, stateBadges, stateKeys, targetText, windowText } from "./announcementLabels";
import {
  fetchAnnouncementViews,
  submitAnnouncement,
  withdrawAnnouncement,
} from "./announcementsApi";

/** How often the list is fetched again regardless of pushes; faster while a poster is checked. */
const REFRESH_MS = 30_000;
const POSTER_REFRESH_MS = 3_000;

/** States in which an announcement can still be edited. */
const editable: readonly AnnouncementState[] = ["draft", "in_review", "published"];
/** States from which an announcement can be withdrawn (a published one leaves the screens). */
const withdrawable: readonly AnnouncementState[] = ["draft", "in_review", "published"];

/**
 * Announcements: their life from draft through review to the screens, and off them again.
 * Lists them by state; creates and edits them (text, target, schedule, poster, with a preview
 * as the screens will show it); sends drafts to review and withdraws published ones.
 */
export function AnnouncementsPage() {
  const { user } = useSession();
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [state, setState] = useState<AnnouncementState | "">("");
  // The form: closed, a new announcement, or one being edited.
  const [form, setForm] = useState<{ editing: AnnouncementView | null } | null>(null);
  const [withdrawing, setWithdrawing] = useState<string | null>(null);
  const [actionError, setActionError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const notices = useNotice();
  const { announce } = notices;
  const fail = useFail();
  const [pending, setPending] = useState(false);
  const list = useLoader(
    async () => {
      const items = await fetchAnnouncementViews(state);
      setPending(items.some((a) => ["queued", "processing"].includes(a.poster.status)));
      return items;
    },
    fail,
    {
      deps: [state],
      live: ["announcements", "takedowns"],
      refreshMs: pending ? POSTER_REFRESH_MS : REFRESH_MS,
    },
  );
  const { districts } = useDistricts((err) => fail(err, list.setError));
  const label = (id: string) => districtLabel(districts, id, language);

  const mayEdit = (a: AnnouncementView): boolean =>
    a.target.districtIds.length === 0
      ? may(user.roles, "announcement.edit", "*")
      : a.target.districtIds.every((id) => may(user.roles, "announcement.edit", [id]));
  const mayWithdraw = (a: AnnouncementView): boolean =>
    a.target.districtIds.length === 0
      ? may(user.roles, "announcement.withdraw", "*")
      : may(user.roles, "announcement.withdraw", a.target.districtIds);

  /** Runs one action on a row, says how it went, and reloads the list. */
  const act = async (work: () => Promise<Message>): Promise<void> => {
    setActionError(null);
    setBusy(true);
    try {
      const said = await work();
      announce(said);
      await list.reload();
    } catch (err) {
      fail(err, setActionError);
      // What changed under the user (a stale revision) is shown as it is now.
      void list.reload();
    } finally {
      setBusy(false);
    }
  };

  const saved = (a: AnnouncementView, outcome: SaveOutcome): void => {
    setForm(null);
    const title = a.title;
    announce((tr) =>
      outcome === "submitted"
        ? tr("ann.submitted", { title })
        : outcome === "draft"
          ? tr("ann.draftSaved", { title })
          : a.state === "in_review"
            ? tr("ann.savedInReview", { title })
            : tr("ann.saved", { title }),
    );
    void list.reload();
  };

  const items = list.data ?? [];
  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("announcements.title")}
      </h1>
      <p>{t("ann.intro")}</p>
      {mayAnywhere(user, "announcement.edit") && form === null && (
        <div className="toolbar">
          <button type="button" onClick={() => setForm({ editing: null })}>
            {t("ann.new")}
          </button>
        </div>
      )}
      {form !== null && (
        <AnnouncementForm
          // A new form for each announcement opened.
          key={form.editing?.id ?? "new"}
          editing={form.editing}
          districts={districts}
          districtLabel={label}
          fail={fail}
          onSaved={saved}
          onCancel={() => setForm(null)}
        />
      )}
      <StatusNotice notices={notices} />
      <div className="ann-states" role="group" aria-label={t("ann.filter")}>
        {(["", ...AnnouncementStateSchema.options] as const).map((s) => (
          <button
            key={s}
            type="button"
            className="secondary small"
            aria-pressed={state === s}
            onClick={() => setState(s)}
          >
            {s === "" ? t("ann.state.all") : t(stateKeys[s])}
          </button>
        ))}
      </div>
      {list.error !== null && (
        <p className="error" role="alert">
          {list.error}
        </p>
      )}
      <FormAlert message={actionError} />
      {list.data === null || list.status === "loading" ? (
        <p>{t("common.loading")}</p>
      ) : items.length === 0 ? (
        <p>{t("ann.empty")}</p>
      ) : (
        <DataTable
          caption={t("ann.listCaption", { count: items.length })}
          columns={[
            t("ann.titleField"),
            t("ann.stateColumn"),
            t("ann.where"),
            t("ann.when"),
            t("ann.posterLegend"),
            t("common.actions"),
          ]}
        >
          {items.map((a) => (
            <tr key={a.id} aria-current={a.id === withdrawing ? "true" : undefined}>
              <th scope="row" lang={a.language}>
                {a.title}
                {a.body !== "" && <small className="muted block">{a.body}</small>}
              </th>
              <td>
                <span className={stateBadges[a.state]}>{t(stateKeys[a.state])}</span>
                {a.reason !== null && a.reason !== "" && (
                  <small className="muted block">
                    {t(a.state === "draft" ? "ann.rejectedBecause" : "ann.reasonWas", {
                      reason: a.reason,
                    })}
                  </small>
                )}
              </td>
              <td>{targetText(a.target, label, t)}</td>
              <td>{windowText(a, language, t)}</td>
              <td>{posterText(a, t)}</td>
              <td>
                {withdrawing === a.id ? (
                  <WithdrawForm
                    announcement={a}
                    busy={busy}
                    onWithdraw={(reason) =>
                      void act(async () => {
                        await withdrawAnnouncement(a.id, reason);
                        setWithdrawing(null);
                        return (tr) => tr("ann.withdrawn", { title: a.title });
                      })
                    }
                    onCancel={() => setWithdrawing(null)}
                  />
                ) : (
                  <div className="cell-actions">
                    {editable.includes(a.state) && mayEdit(a) && (
                      <button
                        type="button"
                        className="secondary small"
                        aria-label={t("ann.editNamed", { title: a.title })}
                        onClick={() => {
                          setForm({ editing: a });
                          window.scrollTo({ top: 0 });
                        }}
                      >
                        {t("ann.edit")}
                      </button>
                    )}
                    {a.state === "draft" && mayEdit(a) && (
                      <button
                        type="button"
                        className="small"
                        disabled={busy}
                        aria-label={t("ann.submitNamed", { title: a.title })}
                        onClick={() =>
                          void act(async () => {
                            await submitAnnouncement(a.id, a.revision);
                            return (tr) => tr("ann.submitted", { title: a.title });
                          })
                        }
                      >
                        {t("ann.submit")}
                      </button>
                    )}
                    {withdrawable.includes(a.state) && mayWithdraw(a) && (
                      <button
                        type="button"
                        className="danger small"
                        aria-label={t("ann.withdrawNamed", { title: a.title })}
                        onClick={() => {
                          setActionError(null);
                          setWithdrawing(a.id);
                        }}
                      >
                        {t("ann.withdraw")}
                      </button>
                    )}
                  </div>
                )}
              </td>
            </tr>
          ))}
        </DataTable>
      )}
    </main>
  );
}

/** The one confirm step of a withdrawal: why (kept in the audit log), then withdraw or cancel. */
function WithdrawForm({
  announcement,
  busy,
  onWithdraw,
  onCancel,
}: {
  announcement: AnnouncementView;
  busy: boolean;
  onWithdraw: (reason: string) => void;
  onCancel: () => void;
}) {
  const { t } = useI18n();
  const [reason, setReason] = useState("");
  const [missing, setMissing] = useState(false);
  const field = useFocusOnMount<HTMLTextAreaElement>();
  const submit = (e: FormEvent): void => {
    e.preventDefault();
    if (reason.trim() === "") {
      setMissing(true);
      field.current?.focus();
      return;
    }
    onWithdraw(reason);
  };
  return (
    <form
      className="confirm"
      onSubmit={submit}
      noValidate
      aria-label={t("ann.withdrawNamed", { title: announcement.title })}
    >
      <p>
        {announcement.state === "published"
          ? t("ann.withdrawQuestion", { title: announcement.title })
          : t("ann.withdrawUnpublishedQuestion", { title: announcement.title })}
      </p>
      <FormAlert
        message={missing ? t("error.required", { field: t("ann.withdrawReason") }) : null}
      />
      <label>
        {t("ann.withdrawReason")}
        <textarea
          ref={field}
          value={reason}
          rows={2}
          maxLength={500}
          aria-invalid={missing || undefined}
          onChange={(e) => setReason(e.target.value)}
        />
      </label>
      <button type="submit" className="danger small" disabled={busy}>
        {t("ann.withdrawYes")}
      </button>{" "}
      <button type="button" className="secondary small" onClick={onCancel}>
        {t("common.cancel")}
      </button>
    </form>
  );
}
