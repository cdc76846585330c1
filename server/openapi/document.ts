import { createHash } from "node:crypto";
import { z } from "zod";
import { rolesFor } from "../../shared/access/permissions";
import type {
  ApiDocument,
  ApiOperation,
  ApiParameter,
  JsonSchema,
} from "../../shared/schemas/apiDescription";
import { ApiErrorSchema, type ErrorCode } from "../../shared/schemas/apiError";
import { SESSION_COOKIE } from "../http/session";
import {
  operations as allOperations,
  type NamedSchema,
  type Operation,
  type OperationAuth,
} from "./operations";

/** The HTTP status each error code is answered with (shared/schemas/apiError.ts). */
export const errorStatus: Record<ErrorCode, number> = {
  bad_request: 400,
  validation_failed: 400,
  personal_data: 400,
  invalid_credentials: 401,
  unauthenticated: 401,
  forbidden: 403,
  four_eyes: 403,
  password_change_required: 403,
  setup_token_invalid: 403,
  not_found: 404,
  conflict: 409,
  stale_revision: 409,
  poster_not_ready: 409,
  gone: 410,
  payload_too_large: 413,
  unsupported_media_type: 415,
  misdirected_request: 421,
  rate_limited: 429,
  internal: 500,
  overloaded: 503,
  unavailable: 503,
  storage_full: 507,
};

const securityOf: Record<OperationAuth, ApiOperation["security"]> = {
  session: [{ sessionCookie: [] }],
  device: [{ deviceToken: [] }],
  // The token, or no credential at all from an address SIGNAGE_METRICS_ALLOW lists.
  metrics: [{ metricsToken: [] }, {}],
  none: [],
};

/** Every input schema as JSON Schema; zod describes what a caller may send (`io: "input"`). */
const toJson = (schema: z.ZodType, io: "input" | "output"): JsonSchema => {
  const { $schema: _dialect, ...rest } = z.toJSONSchema(schema, {
    target: "draft-2020-12",
    io,
    unrepresentable: "any",
  }) as JsonSchema;
  return rest;
};

/** Named schemas of one direction, turned into components that refer to each other by $ref. */
class Components {
  private readonly registry = z.registry<{ id: string }>();
  private readonly names = new Map<string, z.ZodType>();

  constructor(private readonly io: "input" | "output") {}

  /** The $ref of a named schema, registering it on first use. */
  ref({ name, schema }: NamedSchema): JsonSchema {
    const known = this.names.get(name);
    if (known !== undefined && known !== schema)
      throw new Error(`Two different schemas are both named ${name} in the API description.`);
    if (known === undefined) {
      const other = this.registry.get(schema);
      if (other) throw new Error(`Schema ${name} is already named ${other.id}.`);
      this.names.set(name, schema);
      this.registry.add(schema, { id: name });
    }
    return { $ref: `#/components/schemas/${name}` };
  }

  /** The components' JSON Schemas. */
  build(): Record<string, JsonSchema> {
    const { schemas } = z.toJSONSchema(this.registry, {
      target: "draft-2020-12",
      io: this.io,
      unrepresentable: "any",
      uri: (id) => `#/components/schemas/${id}`,
    });
    const out: Record<string, JsonSchema> = {};
    for (const [name, s] of Object.entries(schemas)) {
      const { $schema: _dialect, $id: _id, ...rest } = s as JsonSchema;
      out[name] = rest;
    }
    return out;
  }
}

/** The parameters an object schema (params or query) stands for. */
function parametersOf(schema: z.ZodType, where: "path" | "query"): ApiParameter[] {
  const json = toJson(schema, "input");
  const properties = (json["properties"] ?? {}) as Record<string, JsonSchema>;
  const required = new Set((json["required"] ?? []) as string[]);
  return Object.entries(properties).map(([name, s]) => ({
    name,
    in: where,
    required: where === "path" || required.has(name),
    schema: s,
  }));
}

/** The refusals an operation may answer: its own, and those every such call can get. */
function errorsOf(op: Operation): ErrorCode[] {
  const codes = new Set<ErrorCode>(op.errors ?? []);
  if (op.auth === "session") {
    codes.add("unauthenticated");
    codes.add("password_change_required");
  }
  if (op.auth === "device") codes.add("unauthenticated");
  if (op.permission) codes.add("forbidden");
  if (op.params || op.query || op.body) codes.add("validation_failed");
  if (op.body) {
    codes.add("bad_request");
    codes.add("payload_too_large");
    codes.add("unsupported_media_type");
  }
  // A write to /api from another origin is refused before anything else (the CSRF check).
  if (op.path.startsWith("/api/") && op.method !== "get") codes.add("forbidden");
  codes.add("internal");
  return [...codes];
}

/** One operation as OpenAPI states it. */
function operationOf(op: Operation, input: Components, output: Components): ApiOperation {
  const parameters = [
    ...(op.params ? parametersOf(op.params, "path") : []),
    ...(op.query ? parametersOf(op.query, "query") : []),
  ];
  let requestBody: ApiOperation["requestBody"];
  if (op.body?.kind === "json")
    requestBody = {
      required: true,
      content: { "application/json": { schema: input.ref(op.body.schema) } },
    };
  else if (op.body?.kind === "binary") {
    const { description } = op.body;
    requestBody = {
      required: true,
      content: Object.fromEntries(
        op.body.media.map((m) => [
          m,
          { schema: { type: "string", contentMediaType: m, description } },
        ]),
      ),
    };
  } else if (op.body?.kind === "multipart") {
    const fields = op.body.fields ? toJson(op.body.fields.schema, "input") : {};
    const properties: Record<string, JsonSchema> = {
      ...((fields["properties"] ?? {}) as Record<string, JsonSchema>),
    };
    const required = [...((fields["required"] ?? []) as string[])];
    for (const [name, file] of Object.entries(op.body.files)) {
      properties[name] = {
        type: "string",
        contentMediaType: "application/octet-stream",
        description: file.description,
      };
      if (file.required) required.push(name);
    }
    requestBody = {
      required: true,
      content: {
        "multipart/form-data": { schema: { type: "object", properties, required } },
        ...(op.body.json ? { "application/json": { schema: input.ref(op.body.json) } } : {}),
      },
    };
  }

  const responses: ApiOperation["responses"] = {};
  const { answer } = op;
  const content = {
    ...(answer.json ? { "application/json": { schema: output.ref(answer.json) } } : {}),
    ...Object.fromEntries((answer.media ?? []).map((m) => [m, {}])),
  };
  responses[String(answer.status)] = {
    description: answer.description,
    ...(Object.keys(content).length > 0 ? { content } : {}),
  };
  const byStatus = new Map<number, ErrorCode[]>();
  for (const code of errorsOf(op)) {
    const status = errorStatus[code];
    byStatus.set(status, [...(byStatus.get(status) ?? []), code]);
  }
  const errorBody = output.ref({ name: "ApiError", schema: ApiErrorSchema });
  for (const [status, codes] of [...byStatus].sort(([a], [b]) => a - b))
    responses[String(status)] = {
      description: `Refused: ${codes.join(", ")}.`,
      content: { "application/json": { schema: errorBody } },
      "x-error-codes": codes,
    };

  return {
    operationId: op.operationId,
    tags: [op.tag],
    summary: op.summary,
    ...(parameters.length > 0 ? { parameters } : {}),
    ...(requestBody ? { requestBody } : {}),
    responses,
    security: securityOf[op.auth],
    ...(op.permission
      ? {
          "x-permission": op.permission,
          "x-roles": [...new Set([...rolesFor(op.permission), "admin"])],
        }
      : {}),
    "x-auth": op.auth,
  };
}

/** Builds the OpenAPI 3.1 document of `operations` (by default every operation the server has). */
export function buildOpenApiDocument(
  version: string,
  operations: readonly Operation[] = allOperations,
): ApiDocument {
  const input = new Components("input");
  const output = new Components("output");
  const paths: ApiDocument["paths"] = {};
  const tags: string[] = [];
  for (const op of operations) {
    if (!tags.includes(op.tag)) tags.push(op.tag);
    const item = (paths[op.path] ??= {});
    if (item[op.method])
      throw new Error(`${op.method.toUpperCase()} ${op.path} is described twice.`);
    item[op.method] = operationOf(op, input, output);
  }
  const inputs = input.build();
  const outputs = output.build();
  for (const name of Object.keys(inputs))
    if (name in outputs) throw new Error(`${name} names both a request and a response schema.`);
  return {
    openapi: "3.1.0",
    info: {
      title: "Civic notice signage API",
      version,
      description:
        "The HTTP API of the signage server: the operator console's calls (session cookie), " +
        "the kiosks' downloads (device token), the public notice pages and the operations " +
        "endpoints. Every refusal is a JSON body with a code and a sentence (ApiError). " +
        "x-permission names the permission each call checks over the districts it touches.",
    },
    jsonSchemaDialect: "https://json-schema.org/draft/2020-12/schema",
    tags: tags.map((name) => ({ name })),
    paths,
    components: {
      schemas: { ...inputs, ...outputs },
      securitySchemes: {
        sessionCookie: {
          type: "apiKey",
          in: "cookie",
          name: SESSION_COOKIE,
          description: "Set by POST /api/auth/login; HttpOnly, SameSite=Strict.",
        },
        deviceToken: {
          type: "http",
          scheme: "bearer",
          description: "A paired kiosk's device token, given to it over its socket.",
        },
        metricsToken: {
          type: "http",
          scheme: "bearer",
          description: "SIGNAGE_METRICS_TOKEN.",
        },
      },
    },
  };
}

/** The document as served: its JSON text and a strong ETag of it. */
export interface ServedDocument {
  body: string;
  etag: string;
}

/** Serializes the document once, with the ETag that names its bytes. */
export function serveOpenApiDocument(version: string): ServedDocument {
  const body = JSON.stringify(buildOpenApiDocument(version));
  return { body, etag: `"${createHash("sha256").update(body).digest("base64url")}"` };
}
