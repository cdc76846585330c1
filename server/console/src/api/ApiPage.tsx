import { useDeferredValue, useMemo, useState } from "react";
import type { Role } from "../../../../shared/schemas/account";
import type {
  ApiDocument,
  ApiMethod,
  ApiOperation,
  JsonSchema,
} from "../../../../shared/schemas/apiDescription";
import { useI18n, type I18n } from "../lib/i18n";
import { roleKeys } from "../shell/ConsoleHeader";
import { DataTable } from "../ui/DataTable";
import { Field } from "../ui/Field";
import { FormAlert } from "../ui/FormAlert";
import { useFail } from "../ui/useFail";
import { useFocusOnMount } from "../ui/useFocusOnMount";
import { useLoader } from "../ui/useLoader";
import { API_DOCUMENT_URL, fetchApiDocument } from "./apiDocumentApi";
import { apiTagsZh } from "./apiMessages";
import { fieldsOf, isFile, rulesOf, typeText, type ApiRule } from "./apiSchemaText";
import "./api.css";

/** One operation with where it lives. */
interface Listed {
  method: ApiMethod;
  path: string;
  op: ApiOperation;
}

const methodOrder: readonly ApiMethod[] = ["get", "post", "put", "patch", "delete"];

/** The document's operations grouped by tag, in the document's order of tags. */
function byTag(doc: ApiDocument, wanted: string): [string, Listed[]][] {
  const needle = wanted.trim().toLowerCase();
  const groups = new Map<string, Listed[]>(doc.tags.map((t) => [t.name, []]));
  for (const [path, item] of Object.entries(doc.paths))
    for (const method of methodOrder) {
      const op = item[method];
      if (!op) continue;
      const haystack = [path, op.summary, op.operationId, op["x-permission"] ?? "", method]
        .join(" ")
        .toLowerCase();
      if (needle !== "" && !haystack.includes(needle)) continue;
      const tag = op.tags[0] ?? "";
      groups.set(tag, [...(groups.get(tag) ?? []), { method, path, op }]);
    }
  return [...groups].filter(([, ops]) => ops.length > 0);
}

/** A rule in the page's language. */
function ruleText(rule: ApiRule, t: I18n["t"]): string {
  switch (rule.kind) {
    case "default":
      return t("api.default", { value: rule.value });
    case "length":
      return t("api.length", { min: rule.min, max: rule.max });
    case "range":
      return t("api.range", { min: rule.min, max: rule.max });
    case "items":
      return t("api.items", { min: rule.min, max: rule.max });
    case "pattern":
      return t("api.pattern", { pattern: rule.pattern });
  }
}

/** The id of a tag's heading (for the groups' jump buttons). */
const tagId = (tag: string): string => `api-tag-${tag.toLowerCase().replace(/[^a-z0-9]+/g, "-")}`;

/**
 * The API description, browsable: every operation by group with its method, path, summary,
 * who may call it, its parameters and body fields, and what it answers; and the raw document.
 */
export function ApiPage() {
  const { t, language } = useI18n();
  const tagName = (tag: string): string => (language === "zh-CN" ? (apiTagsZh[tag] ?? tag) : tag);
  const heading = useFocusOnMount<HTMLHeadingElement>();
  const failWith = useFail();
  const loaded = useLoader(fetchApiDocument, failWith);
  const [filter, setFilter] = useState("");
  const wanted = useDeferredValue(filter);
  const doc = loaded.data;
  const groups = useMemo(() => (doc ? byTag(doc, wanted) : []), [doc, wanted]);
  const total = useMemo(
    () => (doc ? Object.values(doc.paths).reduce((n, item) => n + Object.keys(item).length, 0) : 0),
    [doc],
  );

  const jump = (tag: string): void => {
    const target = document.getElementById(tagId(tag));
    target?.scrollIntoView({ block: "start" });
    target?.focus();
  };

  return (
    <main id="main" className="wide api-page">
      <h1 ref={heading} tabIndex={-1}>
        {t("api.title")}
      </h1>
      <p>{t("api.intro")}</p>
      {loaded.error !== null && <FormAlert message={loaded.error} />}
      {doc === null && loaded.error === null && <p role="status">{t("api.loading")}</p>}
      {doc !== null && (
        <>
          <div className="api-meta">
            <p>
              <strong>{doc.info.title}</strong> · {t("api.version", { version: doc.info.version })}{" "}
              · {t("api.count", { count: total })}
            </p>
            <p>
              <a href={API_DOCUMENT_URL} target="_blank" rel="noopener noreferrer">
                {t("api.raw")}
              </a>{" "}
              <span className="muted">{t("api.rawHint")}</span>
            </p>
          </div>
          <div className="api-tools">
            <Field
              label={t("api.filter")}
              hint={t("api.filterHint")}
              type="search"
              value={filter}
              onChange={(e) => setFilter(e.target.value)}
            />
            <nav aria-label={t("api.contents")} className="api-groups">
              <ul>
                {groups.map(([tag, ops]) => (
                  <li key={tag}>
                    <button type="button" className="link" onClick={() => jump(tag)}>
                      {t("api.groupCount", { tag: tagName(tag), count: ops.length })}
                    </button>
                  </li>
                ))}
              </ul>
            </nav>
          </div>
          {groups.length === 0 && <p role="status">{t("api.noMatch")}</p>}
          {groups.map(([tag, ops]) => (
            <section key={tag} aria-labelledby={tagId(tag)} className="api-group">
              <h2 id={tagId(tag)} tabIndex={-1}>
                {tagName(tag)}
              </h2>
              {ops.map((listed) => (
                <OperationView key={`${listed.method} ${listed.path}`} doc={doc} listed={listed} />
              ))}
            </section>
          ))}
        </>
      )}
    </main>
  );
}

/** One operation, folded to its method, path and summary. */
function OperationView({ doc, listed }: { doc: ApiDocument; listed: Listed }) {
  const { t } = useI18n();
  const { method, path, op } = listed;
  const permission = op["x-permission"];
  const roles = (op["x-roles"] ?? [])
    .filter((r): r is Role => r in roleKeys)
    .map((r) => t(roleKeys[r]))
    .join(", ");
  const parameters = op.parameters ?? [];
  const bodies = Object.entries(op.requestBody?.content ?? {});
  const [firstMedia, firstBody] = bodies[0] ?? [];
  const fields = firstBody?.schema ? fieldsOf(doc, firstBody.schema) : [];
  const statuses = Object.entries(op.responses);
  const successes = statuses.filter(([s]) => s.startsWith("2") || s.startsWith("3"));
  const refusals = statuses.filter(([s]) => s.startsWith("4") || s.startsWith("5"));

  return (
    <details className="api-op">
      <summary>
        <span className={`api-method api-${method}`}>{method.toUpperCase()}</span>
        <code className="api-path">{path}</code>
        <span className="api-summary">{op.summary}</span>
      </summary>
      <div className="api-body">
        <dl className="api-facts">
          <dt>{t("api.who")}</dt>
          <dd>{t(`api.auth.${op["x-auth"]}`)}</dd>
          <dt>{t("api.permission")}</dt>
          <dd>
            {permission ? (
              t("api.permissionRoles", { permission, roles })
            ) : (
              <span className="muted">{t("api.noPermission")}</span>
            )}
          </dd>
        </dl>
        {parameters.length > 0 && (
          <>
            <h3>{t("api.parameters")}</h3>
            <FieldTable
              caption={t("api.parameters")}
              rows={parameters.map((p) => ({
                name: p.name,
                where: t(p.in === "path" ? "api.in.path" : "api.in.query"),
                schema: p.schema,
                required: p.required,
              }))}
            />
          </>
        )}
        {firstMedia !== undefined && (
          <>
            <h3>{t("api.body")}</h3>
            <p className="muted">
              {t("api.bodyMedia", { media: bodies.map(([m]) => m).join(" · ") })}
            </p>
            {fields.length > 0 ? (
              <FieldTable
                caption={t("api.body")}
                rows={fields.map((f) => ({
                  name: f.name,
                  where: t("api.in.body"),
                  schema: f.schema,
                  required: f.required,
                }))}
              />
            ) : (
              <p className="muted">{t("api.noFields")}</p>
            )}
          </>
        )}
        <h3>{t("api.answers")}</h3>
        <ul className="api-answers">
          {successes.map(([status, r]) => (
            <li key={status}>
              {t("api.success", { status, description: r.description })}
              {r.content && <span className="muted"> ({Object.keys(r.content).join(", ")})</span>}
            </li>
          ))}
        </ul>
        {refusals.length > 0 && (
          <p className="api-refusals">
            <span>{t("api.refusals")} </span>
            {refusals.map(([status, r]) => (
              <span key={status} className="api-refusal">
                <strong>{status}</strong> {(r["x-error-codes"] ?? []).join(", ")}
              </span>
            ))}
          </p>
        )}
      </div>
    </details>
  );
}

/** Parameters or body fields: name, where, type, whether required, and rules. */
function FieldTable({
  caption,
  rows,
}: {
  caption: string;
  rows: { name: string; where: string; schema: JsonSchema; required: boolean }[];
}) {
  const { t } = useI18n();
  return (
    <DataTable
      caption={caption}
      columns={[
        t("api.col.name"),
        t("api.col.in"),
        t("api.col.type"),
        t("api.col.required"),
        t("api.col.rules"),
      ]}
    >
      {rows.map((r) => (
        <tr key={`${r.where} ${r.name}`}>
          <th scope="row">
            <code>{r.name}</code>
          </th>
          <td>{r.where}</td>
          <td className="break">
            <code>{isFile(r.schema) ? t("api.file") : typeText(r.schema)}</code>
          </td>
          <td>{r.required ? t("api.yes") : t("api.no")}</td>
          <td className="break">
            {rulesOf(r.schema)
              .map((rule) => ruleText(rule, t))
              .join("; ")}
          </td>
        </tr>
      ))}
    </DataTable>
  );
}
