import { useRef, useState, type FormEvent } from "react";
import { EntryKindSchema, EntryStateSchema } from "../../../../shared/schemas/entry";
import type { EntryView } from "../../../../shared/schemas/entryView";
import { RevokeReasonSchema, type RevokeReason } from "../../../../shared/schemas/moderation";
import { mayAnywhere } from "../lib/access";
import { useI18n, type Message, type Translate } from "../lib/i18n";
import { districtLabel } from "../shell/districtsApi";
import { useSession } from "../shell/SessionContext";
import { useDistricts } from "../shell/useDistricts";
import { DataTable } from "../ui/DataTable";
import { DistrictSelect } from "../ui/DistrictPickers";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { Pager, usePageCursors } from "../ui/Pager";
import { SelectField } from "../ui/SelectField";
import { StatusNotice } from "../ui/StatusNotice";
import { useFail, type Fail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { useNotice } from "../ui/useNotice";
import { fetchEntries, revokeEntry, type EntryFilter } from "./entriesApi";
import { EntryForm } from "./EntryForm";
import { kindKeys, redactionKeys, revokeReasonKeys, stateKeys } from "./entryLabels";
import { ImportForm } from "./ImportForm";
import { PlayReportPanel } from "./PlayReportPanel";
import { fetchEntryPlays } from "./playsApi";

const PAGE_SIZE = 25;

/** Whether an entry has left every screen for good (revoked or expired). */
function offScreens(e: EntryView): boolean {
  return e.state === "revoked" || e.state === "expired";
}
const noFilter: EntryFilter = { kind: "", state: "", district: "", q: "" };

/**
 * Find entries by list, district, state and text, page through them, take one down with a
 * reason; operators also create a person entry with a photo or import a court export.
 */
export function EntriesPage() {
  const { user } = useSession();
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const canOperate = mayAnywhere(user, "entry.create");
  const [draft, setDraft] = useState<EntryFilter>(noFilter);
  const [filter, setFilter] = useState<EntryFilter>(noFilter);
  const cursors = usePageCursors<string>();
  const [open, setOpen] = useState<"none" | "create" | "import">("none");
  const [revoking, setRevoking] = useState<EntryView | null>(null);
  const [playsOf, setPlaysOf] = useState<EntryView | null>(null);
  const notices = useNotice();
  const { announce } = notices;
  const resultsHeading = useRef<HTMLHeadingElement>(null);

  const fail = useFail();
  const { cursor } = cursors;
  // Reloaded when the server says entries changed: a redaction settled, an approval, a takedown.
  const results = useLoader(() => fetchEntries(filter, cursor, PAGE_SIZE), fail, {
    deps: [filter, cursor],
    live: ["entries", "takedowns"],
  });
  const { data: page, error: loadError, reload: load } = results;

  const { districts } = useDistricts((err) => fail(err, results.setError));

  const label = (id: string) => districtLabel(districts, id, language);

  const search = (e: FormEvent): void => {
    e.preventDefault();
    setFilter(draft);
    cursors.reset();
  };
  const turn = (to: "next" | "previous"): void => {
    if (to === "next" && page?.nextCursor) cursors.forward(page.nextCursor);
    if (to === "previous") cursors.back();
    resultsHeading.current?.focus();
  };

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("entries.title")}
      </h1>
      {canOperate && (
        <div className="toolbar">
          <button
            type="button"
            className="secondary"
            aria-expanded={open === "create"}
            onClick={() => setOpen(open === "create" ? "none" : "create")}
          >
            {t("entries.newOpen")}
          </button>
          <button
            type="button"
            className="secondary"
            aria-expanded={open === "import"}
            onClick={() => setOpen(open === "import" ? "none" : "import")}
          >
            {t("entries.importOpen")}
          </button>
        </div>
      )}
      {canOperate && open === "create" && (
        <EntryForm
          districts={districts}
          districtLabel={label}
          fail={fail}
          onCreated={(entry) => {
            announce((tr) =>
              tr("entries.created", { name: entry.maskedName, case: entry.caseNumber }),
            );
            void load();
          }}
        />
      )}
      {canOperate && open === "import" && (
        <ImportForm
          districts={districts}
          districtLabel={label}
          fail={fail}
          onImported={() => void load()}
        />
      )}
      <StatusNotice notices={notices} />

      <form role="search" className="filters" onSubmit={search} aria-labelledby="filters-heading">
        <h2 id="filters-heading">{t("entries.filters")}</h2>
        <div className="row">
          <SelectField
            label={t("entries.kind")}
            value={draft.kind}
            onChange={(kind) => setDraft({ ...draft, kind })}
            options={[
              ["" as const, t("entries.anyKind")],
              ...EntryKindSchema.options.map((k) => [k, t(kindKeys[k])] as const),
            ]}
          />
          <DistrictSelect
            label={t("common.district")}
            districts={districts}
            districtLabel={label}
            value={draft.district}
            onChange={(district) => setDraft({ ...draft, district })}
            emptyLabel={t("common.allDistricts")}
          />
          <SelectField
            label={t("entries.state")}
            value={draft.state}
            onChange={(state) => setDraft({ ...draft, state })}
            options={[
              ["" as const, t("entries.anyState")],
              ...EntryStateSchema.options.map((s) => [s, t(stateKeys[s])] as const),
            ]}
          />
          <Field
            label={t("entries.search")}
            type="search"
            value={draft.q}
            maxLength={64}
            onChange={(e) => setDraft({ ...draft, q: e.target.value })}
          />
        </div>
        <button type="submit">{t("entries.apply")}</button>
      </form>

      <h2 ref={resultsHeading} tabIndex={-1} aria-live="polite">
        {results.status === "current"
          ? t("entries.resultsPage", { n: cursors.page, count: page?.entries.length ?? 0 })
          : t(
              results.status === "loading"
                ? "entries.resultsPageLoading"
                : "entries.resultsPageFailed",
              { n: cursors.page },
            )}
      </h2>
      {loadError !== null && <p className="error">{loadError}</p>}
      {results.status === "failed" ? null : page === null ? (
        <p>{t("common.loading")}</p>
      ) : page.entries.length === 0 ? (
        <p>{t("entries.none")}</p>
      ) : (
        <DataTable
          caption={t("entries.results")}
          columns={[
            t("entries.name"),
            t("entries.kind"),
            t("entries.state"),
            t("entries.case"),
            t("entries.districts"),
            t("entries.dates"),
            t("entries.photo"),
            t("common.actions"),
          ]}
        >
          {page.entries.map((e) => (
            <tr key={e.id} aria-current={e.id === revoking?.id ? "true" : undefined}>
              {/* The full name is sealed on the server and never sent: the masked name is the record. */}
              <th scope="row">{e.maskedName}</th>
              <td>{t(kindKeys[e.kind])}</td>
              <td>{t(stateKeys[e.state])}</td>
              <td className="break">
                {e.caseNumber}
                <small className="muted block">{e.court}</small>
              </td>
              <td>{e.districtIds.map(label).join(", ")}</td>
              <td className="nowrap">
                {e.listingDate}
                <small className="muted block">{e.expiryDate}</small>
              </td>
              <td>{t(redactionKeys[e.redactionStatus])}</td>
              <td>
                <div className="cell-actions">
                  {/* A revoked or expired entry is on no screen: its plays are history. */}
                  <button
                    type="button"
                    className="secondary small"
                    aria-label={t(
                      offScreens(e) ? "entries.playsBeforeNamed" : "entries.playsNamed",
                      {
                        name: e.maskedName,
                        case: e.caseNumber,
                      },
                    )}
                    aria-expanded={playsOf?.id === e.id}
                    onClick={() => setPlaysOf(playsOf?.id === e.id ? null : e)}
                  >
                    {t(offScreens(e) ? "entries.playsBefore" : "entries.plays")}
                  </button>
                  {!offScreens(e) && (
                    <button
                      type="button"
                      className="secondary small"
                      aria-label={t("entries.revokeNamed", {
                        name: e.maskedName,
                        case: e.caseNumber,
                      })}
                      onClick={() => setRevoking(e)}
                    >
                      {t("entries.revoke")}
                    </button>
                  )}
                </div>
              </td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager
        backLabel={t("entries.previous")}
        onLabel={t("entries.next")}
        canGoBack={cursors.page > 1}
        canGoOn={results.status === "current" && !!page?.nextCursor}
        onBack={() => turn("previous")}
        onOn={() => turn("next")}
      />
      {playsOf && (
        <PlayReportPanel
          key={playsOf.id}
          title={t("entries.playsTitle", { name: playsOf.maskedName, case: playsOf.caseNumber })}
          groupColumn={t("plays.screen")}
          load={(range) => fetchEntryPlays(playsOf.id, range)}
          playLabel={(p) => p.screenName}
          fail={fail}
          onClose={() => setPlaysOf(null)}
        />
      )}
      {revoking && (
        <RevokePanel
          key={revoking.id}
          entry={revoking}
          fail={fail}
          onCancel={() => setRevoking(null)}
          onRevoked={(entry) => {
            setRevoking(null);
            announce((tr) => tr("revoke.done", { name: entry.maskedName, case: entry.caseNumber }));
            void load();
          }}
        />
      )}
    </main>
  );
}

/** Takes one entry down from every screen, with a reason from the list (and text for "other"). */
function RevokePanel({
  entry,
  fail,
  onCancel,
  onRevoked,
}: {
  entry: EntryView;
  fail: Fail;
  onCancel: () => void;
  onRevoked: (entry: EntryView) => void;
}) {
  const { t } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [reason, setReason] = useState<RevokeReason>("obligation_fulfilled");
  const [text, setText] = useState("");
  const [error, setError] = useState<Message | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent): Promise<void> => {
    e.preventDefault();
    setError(null);
    if (reason === "other" && text.trim() === "") {
      setError(() => (tr: Translate) => tr("error.required", { field: tr("revoke.text") }));
      return;
    }
    setBusy(true);
    try {
      onRevoked(await revokeEntry(entry.id, { reason, ...(text.trim() !== "" ? { text } : {}) }));
    } catch (err) {
      fail(err, (text) => setError(() => () => text));
    } finally {
      setBusy(false);
    }
  };

  return (
    <section className="panel" aria-labelledby="revoke-heading">
      <h2 id="revoke-heading" ref={heading} tabIndex={-1}>
        {t("revoke.title", { name: entry.maskedName, case: entry.caseNumber })}
      </h2>
      <p>{t("revoke.intro")}</p>
      <form onSubmit={(e) => void submit(e)} noValidate>
        <FormAlert message={error?.(t) ?? null} />
        <SelectField
          label={t("revoke.reason")}
          value={reason}
          onChange={setReason}
          options={RevokeReasonSchema.options.map((r) => [r, t(revokeReasonKeys[r])] as const)}
        />
        <label>
          {reason === "other" ? t("revoke.textRequired") : t("revoke.text")}
          <textarea
            value={text}
            onChange={(e) => setText(e.target.value)}
            maxLength={500}
            rows={2}
            aria-invalid={(error !== null && reason === "other") || undefined}
          />
        </label>
        <div className="toolbar">
          <button type="submit" className="danger" disabled={busy}>
            {busy ? t("revoke.busy") : t("revoke.submit")}
          </button>
          <button type="button" className="secondary" onClick={onCancel}>
            {t("common.cancel")}
          </button>
        </div>
      </form>
    </section>
  );
}
