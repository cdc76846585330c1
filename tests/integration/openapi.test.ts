import type { Express } from "express";
import { describe, expect, it } from "vitest";
import {
  ApiDocumentSchema,
  type ApiDocument,
  type ApiOperation,
  type JsonSchema,
} from "../../shared/schemas/apiDescription";
import { ApiErrorSchema } from "../../shared/schemas/apiError";
import { buildEntryInput } from "../support/entryFactory";
import { api, createDistrict, useTestServer, type TestServer } from "../support/testServer";

/**
 * Routes the API description leaves out on purpose, with why. Everything else the app serves
 * must be an operation of the document.
 */
const notApi: Record<string, string> = {
  "GET /": "redirects a browser to the console",
  "GET /display": "adds the trailing slash to the kiosk web app's address",
  "GET /console": "adds the trailing slash to the console's address",
};

interface Layer {
  route?: { path: string | string[]; methods: Record<string, boolean> };
  handle: { stack?: Layer[] };
  rawPath?: string | string[];
}

/** Every "METHOD /path" the running express app serves, read from its router stack. */
function servedRoutes(app: Express): string[] {
  const found = new Set<string>();
  const paths = (p: string | string[] | undefined): string[] =>
    p === undefined ? [""] : Array.isArray(p) ? p : [p];
  const walk = (stack: Layer[], prefix: string): void => {
    for (const layer of stack) {
      if (layer.route) {
        for (const path of paths(layer.route.path))
          for (const [method, on] of Object.entries(layer.route.methods))
            if (on && method !== "_all")
              found.add(`${method.toUpperCase()} ${`${prefix}${path}`.replace(/(.)\/$/, "$1")}`);
      } else if (layer.handle.stack) {
        for (const path of paths(layer.rawPath))
          walk(layer.handle.stack, `${prefix}${path === "/" ? "" : path}`);
      }
    }
  };
  walk((app as unknown as { router: { stack: Layer[] } }).router.stack, "");
  return [...found].sort();
}

/** Every "METHOD /path" of the document, in express's spelling (/api/entries/:id). */
function describedRoutes(doc: ApiDocument): string[] {
  return Object.entries(doc.paths)
    .flatMap(([path, item]) =>
      Object.keys(item).map((m) => `${m.toUpperCase()} ${path.replace(/\{(\w+)\}/g, ":$1")}`),
    )
    .sort();
}

/** The operation `METHOD /path` (OpenAPI spelling) of the document; fails when it has none. */
function operation(doc: ApiDocument, method: "get" | "post" | "put", path: string): ApiOperation {
  const op = doc.paths[path]?.[method];
  if (!op) throw new Error(`the document has no ${method.toUpperCase()} ${path}`);
  return op;
}

/** Follows a local $ref ("#/components/schemas/X") to what it names, or undefined. */
function resolve(doc: unknown, ref: string): unknown {
  if (!ref.startsWith("#/")) return undefined;
  let at: unknown = doc;
  for (const raw of ref.slice(2).split("/")) {
    const key = raw.replace(/~1/g, "/").replace(/~0/g, "~");
    if (at === null || typeof at !== "object" || !(key in at)) return undefined;
    at = (at as Record<string, unknown>)[key];
  }
  return at;
}

/** Every $ref in a JSON value. */
function refsIn(value: unknown, out: string[] = []): string[] {
  if (Array.isArray(value)) for (const v of value) refsIn(v, out);
  else if (value !== null && typeof value === "object")
    for (const [k, v] of Object.entries(value)) {
      if (k === "$ref" && typeof v === "string") out.push(v);
      else refsIn(v, out);
    }
  return out;
}

/**
 * Why `value` does not fit the JSON Schema `schema` (the keywords zod emits), or [] when it
 * fits. Enough to tell whether the document calls a request valid; formats are not checked.
 */
function misfits(doc: ApiDocument, schema: JsonSchema, value: unknown, at = "$"): string[] {
  if (typeof schema["$ref"] === "string") {
    const target = resolve(doc, schema["$ref"]);
    return target ? misfits(doc, target as JsonSchema, value, at) : [`${at}: dangling $ref`];
  }
  const problems: string[] = [];
  const sub = (key: string) => schema[key] as JsonSchema[] | undefined;
  const anyOf = sub("anyOf") ?? sub("oneOf");
  if (anyOf && !anyOf.some((s) => misfits(doc, s, value, at).length === 0))
    problems.push(`${at}: fits none of the alternatives`);
  for (const s of sub("allOf") ?? []) problems.push(...misfits(doc, s, value, at));
  if ("const" in schema && schema["const"] !== value) problems.push(`${at}: not the constant`);
  const enumValues = schema["enum"] as unknown[] | undefined;
  if (enumValues && !enumValues.includes(value)) problems.push(`${at}: not one of the enum`);
  const types = schema["type"] === undefined ? [] : [schema["type"]].flat().map(String);
  const typeOf = (v: unknown): string[] =>
    v === null
      ? ["null"]
      : Array.isArray(v)
        ? ["array"]
        : typeof v === "number"
          ? Number.isInteger(v)
            ? ["integer", "number"]
            : ["number"]
          : [typeof v];
  if (types.length > 0 && !typeOf(value).some((t) => types.includes(t)))
    problems.push(`${at}: not of type ${types.join("|")}`);
  if (typeof value === "string") {
    const { minLength, maxLength, pattern } = schema as {
      minLength?: number;
      maxLength?: number;
      pattern?: string;
    };
    if (minLength !== undefined && [...value].length < minLength) problems.push(`${at}: short`);
    if (maxLength !== undefined && [...value].length > maxLength) problems.push(`${at}: long`);
    if (pattern !== undefined && !new RegExp(pattern, "u").test(value))
      problems.push(`${at}: does not match ${pattern}`);
  }
  if (typeof value === "number") {
    const { minimum, maximum } = schema as { minimum?: number; maximum?: number };
    if (minimum !== undefined && value < minimum) problems.push(`${at}: below ${minimum}`);
    if (maximum !== undefined && value > maximum) problems.push(`${at}: above ${maximum}`);
  }
  if (Array.isArray(value)) {
    const { minItems, maxItems, items } = schema as {
      minItems?: number;
      maxItems?: number;
      items?: JsonSchema;
    };
    if (minItems !== undefined && value.length < minItems) problems.push(`${at}: too few items`);
    if (maxItems !== undefined && value.length > maxItems) problems.push(`${at}: too many items`);
    if (items) value.forEach((v, i) => problems.push(...misfits(doc, items, v, `${at}[${i}]`)));
  }
  if (value !== null && typeof value === "object" && !Array.isArray(value)) {
    const properties = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
    for (const name of (schema["required"] ?? []) as string[])
      if (!(name in value)) problems.push(`${at}.${name}: missing`);
    for (const [name, v] of Object.entries(value)) {
      const s = properties[name];
      if (s) problems.push(...misfits(doc, s, v, `${at}.${name}`));
      else if (schema["additionalProperties"] === false) problems.push(`${at}.${name}: unknown`);
    }
  }
  return problems;
}

/** The JSON request body schema an operation declares (resolved), or fails. */
function jsonBodyOf(doc: ApiDocument, op: ApiOperation): JsonSchema {
  const schema = op.requestBody?.content["application/json"]?.schema;
  if (!schema) throw new Error(`${op.operationId} declares no JSON body`);
  const ref = schema["$ref"];
  return (typeof ref === "string" ? resolve(doc, ref) : schema) as JsonSchema;
}

/** Sends a JSON body as the signed-in admin; the status and the error code, if any. */
async function send(
  t: TestServer,
  method: string,
  path: string,
  body: unknown,
): Promise<{ status: number; code?: string }> {
  const res = await api(`${t.baseUrl}${path}`, {
    method,
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  const answer: unknown = await res.json().catch(() => undefined);
  const error = ApiErrorSchema.safeParse(answer);
  return { status: res.status, ...(error.success ? { code: error.data.error.code } : {}) };
}

/** A request the route serves, a fresh valid body for each call, and where it is sent. */
interface Agreement {
  method: "post" | "put";
  /** OpenAPI spelling. */
  path: string;
  /** The same path with its parameters filled in. */
  url: string;
  valid: () => Record<string, unknown>;
}

let serial = 0;
const agreements: Agreement[] = [
  {
    method: "post",
    path: "/api/districts",
    url: "/api/districts",
    valid: () => ({
      id: `oa-sub-${++serial}`,
      parentId: "oa-city",
      nameZh: "子区",
      nameEn: "Sub-district",
    }),
  },
  {
    method: "post",
    path: "/api/emergencies",
    url: "/api/emergencies",
    valid: () => ({ title: "演练", body: "消防演练", districtIds: ["oa-city"] }),
  },
  {
    method: "post",
    path: "/api/entries",
    url: "/api/entries",
    valid: () => ({ ...buildEntryInput({ districtIds: ["oa-city"] }) }),
  },
  {
    method: "put",
    path: "/api/districts/{id}/schedule",
    url: "/api/districts/oa-city/schedule",
    valid: () => ({
      windows: [
        {
          id: "all-day",
          days: [1, 2, 3, 4, 5, 6, 7],
          start: "00:00",
          end: "24:00",
          playlist: [{ type: "redlist" }],
          dwellSeconds: 8,
        },
      ],
    }),
  },
];

describe("the API description (GET /api/openapi.json)", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "oa-city");
  });

  /** The document as an anonymous caller gets it. */
  const fetchDocument = async (t: TestServer): Promise<ApiDocument> => {
    const res = await api(`${t.baseUrl}/api/openapi.json`, { anonymous: true });
    expect(res.status).toBe(200);
    return ApiDocumentSchema.parse(await res.json());
  };

  it("describes every route the app serves, and no route it does not serve", async () => {
    const t = server();
    const doc = await fetchDocument(t);
    const served = servedRoutes(t.server.app.expressApp).filter((r) => !(r in notApi));
    const described = describedRoutes(doc);
    // The walk sees the whole app: the kiosk, the public pages and the operations endpoints too.
    expect(served).toEqual(
      expect.arrayContaining([
        "GET /healthz",
        "GET /metrics",
        "GET /api/openapi.json",
        "GET /kiosk/renditions/:hash",
        "GET /n/:publicId",
        "POST /api/entries/:id/approve",
      ]),
    );
    expect(
      served.filter((r) => !described.includes(r)),
      "routes without an operation in the API description",
    ).toEqual([]);
    expect(
      described.filter((r) => !served.includes(r)),
      "operations no route serves",
    ).toEqual([]);
    for (const r of Object.keys(notApi))
      expect(servedRoutes(t.server.app.expressApp), `${r} is left out but not served`).toContain(r);
  });

  it("is OpenAPI 3.1 in structure: refs resolve, path parameters are declared, ids are unique", async () => {
    const doc = await fetchDocument(server());
    expect(doc.openapi).toBe("3.1.0");
    const dangling = refsIn(doc).filter((ref) => resolve(doc, ref) === undefined);
    expect(dangling).toEqual([]);

    const ids: string[] = [];
    const problems: string[] = [];
    const tags = new Set(doc.tags.map((t) => t.name));
    for (const [path, item] of Object.entries(doc.paths)) {
      if (!path.startsWith("/")) problems.push(`${path} does not start with /`);
      const inPath = [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]);
      for (const [method, op] of Object.entries(item)) {
        const where = `${method.toUpperCase()} ${path}`;
        ids.push(op.operationId);
        const declared = (op.parameters ?? []).filter((p) => p.in === "path");
        const names = declared.map((p) => p.name);
        for (const name of inPath)
          if (!names.includes(name ?? "")) problems.push(`${where}: {${name}} is not declared`);
        for (const p of declared) {
          if (!inPath.includes(p.name)) problems.push(`${where}: ${p.name} is not in the path`);
          if (!p.required) problems.push(`${where}: path parameter ${p.name} is not required`);
        }
        const seen = (op.parameters ?? []).map((p) => `${p.in}:${p.name}`);
        if (new Set(seen).size !== seen.length) problems.push(`${where}: a parameter twice`);
        if (!op.tags.every((tag) => tags.has(tag))) problems.push(`${where}: undeclared tag`);
        if (Object.keys(op.responses).length === 0) problems.push(`${where}: no responses`);
        if (!Object.keys(op.responses).some((s) => /^2\d\d$/.test(s)))
          problems.push(`${where}: no success response`);
        for (const status of Object.keys(op.responses))
          if (!/^[1-5]\d\d$/.test(status)) problems.push(`${where}: response key ${status}`);
        for (const requirement of op.security)
          for (const scheme of Object.keys(requirement))
            if (!(scheme in doc.components.securitySchemes))
              problems.push(`${where}: unknown security scheme ${scheme}`);
        if (op["x-auth"] === "session" && op.security.length === 0)
          problems.push(`${where}: a session route without security`);
      }
    }
    expect(problems).toEqual([]);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
    // Every refusal is the shared error body.
    expect(doc.components.schemas["ApiError"]).toMatchObject({
      type: "object",
      required: ["error"],
    });
  });

  it("is public and cacheable: an ETag, and 304 when the caller holds it", async () => {
    const t = server();
    const first = await api(`${t.baseUrl}/api/openapi.json`, { anonymous: true });
    expect(first.status).toBe(200);
    expect(first.headers.get("content-type")).toMatch(/^application\/json/);
    const etag = first.headers.get("etag");
    expect(etag).toMatch(/^"[A-Za-z0-9_-]{43}"$/);
    const again = await api(`${t.baseUrl}/api/openapi.json`, {
      anonymous: true,
      headers: { "If-None-Match": etag ?? "" },
    });
    expect(again.status).toBe(304);
    const other = await api(`${t.baseUrl}/api/openapi.json`, {
      anonymous: true,
      headers: { "If-None-Match": '"another"' },
    });
    expect(other.status).toBe(200);
  });

  it("states the permission each console route checks, and how each caller authenticates", async () => {
    const doc = await fetchDocument(server());
    expect(operation(doc, "post", "/api/entries/{id}/approve")).toMatchObject({
      "x-permission": "entry.approve",
      "x-auth": "session",
      security: [{ sessionCookie: [] }],
    });
    expect(operation(doc, "get", "/kiosk/renditions/{hash}")["x-auth"]).toBe("device");
    expect(operation(doc, "get", "/metrics")["x-auth"]).toBe("metrics");
    expect(operation(doc, "get", "/n/{publicId}")["x-auth"]).toBe("none");
    // Every console route behind the session checks a permission, except the user's own ones.
    const own = ["/api/auth/logout", "/api/auth/me", "/api/auth/password"];
    const unguarded = Object.entries(doc.paths).flatMap(([path, item]) =>
      Object.entries(item)
        .filter(([, op]) => op["x-auth"] === "session" && !op["x-permission"])
        .map(([m]) => `${m} ${path}`)
        .filter((r) => !own.some((p) => r.endsWith(` ${p}`))),
    );
    expect(unguarded).toEqual([]);
  });

  it("agrees with the routes on what a request may hold", async () => {
    const t = server();
    const doc = await fetchDocument(t);
    const disagreements: string[] = [];
    for (const a of agreements) {
      const route = `${a.method.toUpperCase()} ${a.path}`;
      const schema = jsonBodyOf(doc, operation(doc, a.method, a.path));
      const properties = (schema["properties"] ?? {}) as Record<string, JsonSchema>;
      const required = (schema["required"] ?? []) as string[];
      expect(required.length, `${route} requires something`).toBeGreaterThan(0);

      // A valid body: the document accepts it and so does the server.
      const valid = a.valid();
      const fits = misfits(doc, schema, valid);
      if (fits.length > 0)
        disagreements.push(`${route}: the document refuses a valid body: ${fits.join("; ")}`);
      const accepted = await send(t, a.method.toUpperCase(), a.url, valid);
      if (accepted.status === 400)
        disagreements.push(`${route}: the server refuses a valid body (${accepted.code})`);

      for (const name of Object.keys(valid)) {
        const { [name]: _dropped, ...without } = a.valid();
        const answer = await send(t, a.method.toUpperCase(), a.url, without);
        const documentSays = misfits(doc, schema, without).length === 0;
        const serverSays = answer.status !== 400;
        if (documentSays !== serverSays)
          disagreements.push(
            `${route} without ${name}: the document ${documentSays ? "accepts" : "refuses"} it, the server answers ${answer.status}`,
          );
      }
      // A field the document does not know is refused where the document says so.
      const extra = { ...a.valid(), notAField: 1 };
      const extraAnswer = await send(t, a.method.toUpperCase(), a.url, extra);
      if ((misfits(doc, schema, extra).length === 0) !== (extraAnswer.status !== 400))
        disagreements.push(
          `${route} with an unknown field: the server answers ${extraAnswer.status}`,
        );
      // A value outside a property's enum is refused by both.
      for (const [name, s] of Object.entries(properties)) {
        if (!Array.isArray(s["enum"]) || !(name in valid)) continue;
        const off = { ...a.valid(), [name]: "not-one-of-them" };
        const answer = await send(t, a.method.toUpperCase(), a.url, off);
        if (misfits(doc, schema, off).length === 0 || answer.status !== 400)
          disagreements.push(`${route} with ${name} off its enum: ${answer.status}`);
      }
    }
    expect(disagreements).toEqual([]);
  });

  it("agrees with the routes on their query strings", async () => {
    const t = server();
    const doc = await fetchDocument(t);
    const limit = operation(doc, "get", "/api/entries").parameters?.find((p) => p.name === "limit");
    expect(limit).toMatchObject({ in: "query", required: false, schema: { type: "integer" } });
    const max = limit?.schema["maximum"] as number;
    expect((await api(`${t.baseUrl}/api/entries?limit=${max}`)).status).toBe(200);
    expect((await api(`${t.baseUrl}/api/entries?limit=${max + 1}`)).status).toBe(400);
    const state = operation(doc, "get", "/api/entries").parameters?.find((p) => p.name === "state");
    const states = state?.schema["enum"] as string[];
    expect(states.length).toBeGreaterThan(0);
    for (const s of states)
      expect((await api(`${t.baseUrl}/api/entries?state=${s}`)).status, s).toBe(200);
    expect((await api(`${t.baseUrl}/api/entries?state=not-a-state`)).status).toBe(400);
  });
});
