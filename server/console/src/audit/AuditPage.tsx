import { useCallback, useEffect, useEffectEvent, useRef, useState, type FormEvent } from "react";
import type { UserView } from "../../../../shared/schemas/account";
import type { AuditRecord, AuditVerification } from "../../../../shared/schemas/auditRecord";
import type { Screen } from "../../../../shared/schemas/screen";
import { useI18n } from "../lib/i18n";
import { fetchScreens } from "../screens/screensApi";
import { DataTable } from "../ui/DataTable";
import { Field } from "../ui/Field";
import { Pager, usePageCursors } from "../ui/Pager";
import { SelectField } from "../ui/SelectField";
import { useFail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { districtLabel } from "../shell/districtsApi";
import { useDistricts } from "../shell/useDistricts";
import { fetchUsers } from "../users/usersApi";
import { targetName } from "./targetName";
import {
  auditActions,
  auditExportUrl,
  fetchAudit,
  verifyAudit,
  type AuditFilter,
} from "./auditApi";

const noFilter: AuditFilter = { entry: "", user: "", screen: "", action: "", from: "", to: "" };
const PAGE_SIZE = 50;

/** The details of a record on one line (they are already sanitised by the server). */
function detailsText(details: unknown): string {
  if (details === null || details === undefined) return "";
  if (typeof details === "object" && Object.keys(details).length === 0) return "";
  return typeof details === "string" ? details : JSON.stringify(details);
}

/**
 * The hash-chained audit log (admins of the whole city): filter by entry, user, screen, action
 * and time, page back through it, check the chain, and download it.
 */
export function AuditPage() {
  const { t, language } = useI18n();
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const [draft, setDraft] = useState<AuditFilter>(noFilter);
  const [filter, setFilter] = useState<AuditFilter>(noFilter);
  // The `before` of each page visited (null: the newest records).
  const pages = usePageCursors<number>();
  const [verification, setVerification] = useState<AuditVerification | "checking" | null>(null);
  const [users, setUsers] = useState<UserView[]>([]);
  const [screens, setScreens] = useState<Screen[]>([]);
  const resultsHeading = useRef<HTMLHeadingElement>(null);

  const failWith = useFail();
  const before = pages.cursor;
  const results = useLoader(() => fetchAudit(filter, before, PAGE_SIZE), failWith, {
    deps: [filter, before],
  });
  const { error, setError } = results;
  const records = results.data?.records ?? null;
  const nextBefore = results.data?.nextBefore ?? null;
  const fail = useCallback((err: unknown) => failWith(err, setError), [failWith, setError]);

  const verify = useCallback(() => {
    setVerification("checking");
    verifyAudit().then(setVerification, (err: unknown) => {
      setVerification(null);
      fail(err);
    });
  }, [fail]);
  // An Effect Event, so that a new `fail` (a language switch) loads nothing again.
  const loadOnce = useEffectEvent(() => {
    verify();
    fetchUsers().then(setUsers, fail);
    fetchScreens().then(setScreens, fail);
  });
  useEffect(() => {
    loadOnce();
    // Loaded once per visit.
  }, []);

  const { districts } = useDistricts();
  const label = (id: string) => districtLabel(districts, id, language);
  const nameOf = (r: AuditRecord): string => {
    if (r.actor.type === "system") return t("audit.actor.system");
    if (r.actor.type === "cli") return t("audit.actor.cli");
    if (r.actor.type !== "user") return t("audit.actor.anonymous");
    return r.actorName ?? users.find((u) => u.id === r.actor.id)?.displayName ?? r.actor.id ?? "—";
  };
  const targetOf = (r: AuditRecord): string => targetName(r, t, (id) => label(id));

  const search = (e: FormEvent): void => {
    e.preventDefault();
    setFilter(draft);
    pages.reset();
  };
  const turn = (to: "older" | "newer"): void => {
    if (to === "older" && nextBefore !== null) pages.forward(nextBefore);
    if (to === "newer") pages.back();
    resultsHeading.current?.focus();
  };

  return (
    <main id="main" className="wide">
      <h1 ref={heading} tabIndex={-1}>
        {t("audit.title")}
      </h1>
      <section className="verification" aria-labelledby="chain-heading">
        <h2 id="chain-heading">{t("audit.chain")}</h2>
        <div role="status">
          {verification === "checking" && <p>{t("audit.checking")}</p>}
          {verification !== null && verification !== "checking" && verification.ok && (
            <p className="ok">
              <strong>{t("audit.intact")}</strong>{" "}
              {t("audit.intactDetail", {
                records: verification.records,
                seq: verification.lastSeq,
                hash: verification.lastHash.slice(0, 16),
              })}
            </p>
          )}
          {verification !== null && verification !== "checking" && !verification.ok && (
            <p className="error">
              <strong>{t("audit.broken", { seq: verification.brokenAt })}</strong>{" "}
              {verification.message}
            </p>
          )}
        </div>
        <div className="toolbar">
          <button
            type="button"
            className="secondary"
            disabled={verification === "checking"}
            onClick={verify}
          >
            {t("audit.verify")}
          </button>
          <a className="button-link" href={auditExportUrl(filter)} download="audit.jsonl">
            {t("audit.export")}
          </a>
        </div>
        <p className="hint">{t("audit.exportHint")}</p>
      </section>

      <form role="search" className="filters" onSubmit={search} aria-labelledby="audit-filters">
        <h2 id="audit-filters">{t("audit.filters")}</h2>
        <div className="row">
          <SelectField
            label={t("audit.action")}
            value={draft.action}
            onChange={(action) => setDraft({ ...draft, action })}
            options={[
              ["" as const, t("audit.anyAction")],
              ...auditActions.map((a) => [a, a] as const),
            ]}
          />
          <SelectField
            label={t("audit.user")}
            value={draft.user}
            onChange={(user) => setDraft({ ...draft, user })}
            options={[
              ["", t("audit.anyUser")],
              ...users.map((u) => [u.id, `${u.displayName} (${u.email})`] as const),
            ]}
          />
          <SelectField
            label={t("audit.screen")}
            value={draft.screen}
            onChange={(screen) => setDraft({ ...draft, screen })}
            options={[["", t("audit.anyScreen")], ...screens.map((s) => [s.id, s.name] as const)]}
          />
        </div>
        <div className="row">
          <Field
            label={t("audit.entry")}
            hint={t("audit.entryHint")}
            value={draft.entry}
            onChange={(e) => setDraft({ ...draft, entry: e.target.value })}
            spellCheck={false}
            autoComplete="off"
          />
          <Field
            label={t("audit.from")}
            type="date"
            value={draft.from}
            onChange={(e) => setDraft({ ...draft, from: e.target.value })}
          />
          <Field
            label={t("audit.to")}
            type="date"
            value={draft.to}
            onChange={(e) => setDraft({ ...draft, to: e.target.value })}
          />
        </div>
        <p className="hint">{t("audit.utc")}</p>
        <button type="submit">{t("entries.apply")}</button>
      </form>

      <h2 ref={resultsHeading} tabIndex={-1} aria-live="polite">
        {results.status === "current"
          ? t("audit.records", { n: pages.page, count: records?.length ?? 0 })
          : t(results.status === "loading" ? "audit.recordsLoading" : "audit.recordsFailed", {
              n: pages.page,
            })}
      </h2>
      {error !== null && (
        <p className="error" role="alert">
          {error}
        </p>
      )}
      {results.status === "failed" ? null : records === null ? (
        <p>{t("common.loading")}</p>
      ) : records.length === 0 ? (
        <p>{t("audit.none")}</p>
      ) : (
        <DataTable
          caption={t("audit.title")}
          columns={[
            "#",
            t("audit.time"),
            t("audit.who"),
            t("audit.action"),
            t("audit.target"),
            t("audit.details"),
          ]}
        >
          {records.map((r) => (
            <tr key={r.seq}>
              <th scope="row">{r.seq}</th>
              <td className="nowrap">{new Date(r.at).toLocaleString(language)}</td>
              <td>{nameOf(r)}</td>
              <td>
                <code>{r.action}</code>
              </td>
              <td className="break">{targetOf(r)}</td>
              <td className="break details">{detailsText(r.details)}</td>
            </tr>
          ))}
        </DataTable>
      )}
      <Pager
        backLabel={t("audit.newer")}
        onLabel={t("audit.older")}
        canGoBack={pages.page > 1}
        canGoOn={results.status === "current" && nextBefore !== null}
        onBack={() => turn("newer")}
        onOn={() => turn("older")}
      />
    </main>
  );
}
