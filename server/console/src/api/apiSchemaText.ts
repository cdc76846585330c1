import type { ApiDocument, JsonSchema } from "../../../../shared/schemas/apiDescription";

/** One field of a request body, as the API page lists it. */
export interface ApiField {
  name: string;
  schema: JsonSchema;
  required: boolean;
}

/** A constraint of a field, for the page to word in its language. */
export type ApiRule =
  | { kind: "default"; value: string }
  | { kind: "length"; min: number | string; max: number | string }
  | { kind: "range"; min: number | string; max: number | string }
  | { kind: "items"; min: number | string; max: number | string }
  | { kind: "pattern"; pattern: string };

const ENUM_SHOWN = 8;

/** The schema a local $ref names (#/components/schemas/X), or the schema itself. */
export function resolveSchema(doc: ApiDocument, schema: JsonSchema): JsonSchema {
  const ref = schema["$ref"];
  if (typeof ref !== "string") return schema;
  const name = ref.replace(/^#\/components\/schemas\//, "");
  return doc.components.schemas[name] ?? {};
}

const asSchemas = (v: unknown): JsonSchema[] =>
  Array.isArray(v) ? v.filter((s): s is JsonSchema => s !== null && typeof s === "object") : [];
const asSchema = (v: unknown): JsonSchema | undefined =>
  v !== null && typeof v === "object" && !Array.isArray(v) ? (v as JsonSchema) : undefined;

/** A field's type in a few words: `string`, `"a" | "b"`, `Region[]`, `integer | null`. */
export function typeText(schema: JsonSchema): string {
  const ref = schema["$ref"];
  if (typeof ref === "string") return ref.split("/").pop() ?? ref;
  const values = schema["enum"];
  if (Array.isArray(values)) {
    const shown = values.slice(0, ENUM_SHOWN).map((v) => JSON.stringify(v));
    return values.length > ENUM_SHOWN ? `${shown.join(" | ")} | …` : shown.join(" | ");
  }
  if ("const" in schema) return JSON.stringify(schema["const"]);
  const alternatives = asSchemas(schema["anyOf"] ?? schema["oneOf"]);
  if (alternatives.length > 0) return alternatives.map(typeText).join(" | ");
  const type = schema["type"];
  if (Array.isArray(type)) return type.map(String).join(" | ");
  if (type === "array") {
    const items = asSchema(schema["items"]);
    return items ? `${typeText(items)}[]` : "array";
  }
  if (type === "string" && typeof schema["format"] === "string")
    return `string (${schema["format"]})`;
  return typeof type === "string" ? type : "any";
}

/** Whether a field is a file of a multipart form. */
export function isFile(schema: JsonSchema): boolean {
  return schema["type"] === "string" && typeof schema["contentMediaType"] === "string";
}

/** A field's constraints: default, length, range, item count, pattern. */
export function rulesOf(schema: JsonSchema): ApiRule[] {
  const rules: ApiRule[] = [];
  const n = (key: string): number | undefined =>
    typeof schema[key] === "number" ? schema[key] : undefined;
  const pair = (min: number | undefined, max: number | undefined) => ({
    min: min ?? "",
    max: max ?? "",
  });
  if ("default" in schema)
    rules.push({ kind: "default", value: JSON.stringify(schema["default"]) });
  if (n("minLength") !== undefined || n("maxLength") !== undefined)
    rules.push({ kind: "length", ...pair(n("minLength"), n("maxLength")) });
  if (n("minimum") !== undefined || n("maximum") !== undefined)
    rules.push({ kind: "range", ...pair(n("minimum"), n("maximum")) });
  if (n("minItems") !== undefined || n("maxItems") !== undefined)
    rules.push({ kind: "items", ...pair(n("minItems"), n("maxItems")) });
  // A UUID's or a date's pattern says no more than its format does.
  if (typeof schema["pattern"] === "string" && schema["format"] === undefined)
    rules.push({ kind: "pattern", pattern: schema["pattern"] });
  return rules;
}

/** The top-level fields of a body schema (its $ref followed); none for a body that is not an object. */
export function fieldsOf(doc: ApiDocument, body: JsonSchema): ApiField[] {
  const schema = resolveSchema(doc, body);
  const properties = asSchema(schema["properties"]) ?? {};
  const required = Array.isArray(schema["required"]) ? schema["required"].map(String) : [];
  return Object.entries(properties).map(([name, s]) => ({
    name,
    schema: asSchema(s) ?? {},
    required: required.includes(name),
  }));
}
