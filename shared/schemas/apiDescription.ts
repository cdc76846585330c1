import { z } from "zod";

/** A JSON Schema (draft 2020-12) as the API description carries it: read, never validated. */
export const JsonSchemaSchema = z.record(z.string(), z.unknown());
/** A JSON Schema object. */
export type JsonSchema = z.infer<typeof JsonSchemaSchema>;

/** How a caller of an operation proves who it is (the `x-auth` extension). */
export const ApiAuthSchema = z.enum(["session", "device", "metrics", "none"]);
/** An operation's kind of caller. */
export type ApiAuth = z.infer<typeof ApiAuthSchema>;

/** The HTTP methods the API uses, as OpenAPI names them. */
export const ApiMethodSchema = z.enum(["get", "post", "put", "patch", "delete"]);
/** An operation's method. */
export type ApiMethod = z.infer<typeof ApiMethodSchema>;

/** A path or query parameter. */
export const ApiParameterSchema = z.object({
  name: z.string(),
  in: z.enum(["path", "query"]),
  required: z.boolean(),
  schema: JsonSchemaSchema,
});
/** A parameter. */
export type ApiParameter = z.infer<typeof ApiParameterSchema>;

/** A body of a given media type. */
const MediaSchema = z.object({ schema: JsonSchemaSchema.optional() });

/** One answer of an operation (a success, or the error body with the codes it may carry). */
export const ApiResponseSchema = z.object({
  description: z.string(),
  content: z.record(z.string(), MediaSchema).optional(),
  /** The error codes (shared/schemas/apiError.ts) this status may carry. */
  "x-error-codes": z.array(z.string()).optional(),
});

/** One operation, with this server's extensions: the permission checked and the kind of caller. */
export const ApiOperationSchema = z.object({
  operationId: z.string(),
  tags: z.array(z.string()).min(1),
  summary: z.string(),
  parameters: z.array(ApiParameterSchema).optional(),
  requestBody: z
    .object({ required: z.boolean(), content: z.record(z.string(), MediaSchema) })
    .optional(),
  responses: z.record(z.string(), ApiResponseSchema),
  security: z.array(z.record(z.string(), z.array(z.string()))),
  /** The permission of shared/access/permissions.ts the route checks. */
  "x-permission": z.string().optional(),
  /** The roles that carry that permission (an admin carries every one). */
  "x-roles": z.array(z.string()).optional(),
  "x-auth": ApiAuthSchema,
});
/** An operation. */
export type ApiOperation = z.infer<typeof ApiOperationSchema>;

/** The OpenAPI 3.1 document GET /api/openapi.json answers, as far as the console reads it. */
export const ApiDocumentSchema = z.object({
  openapi: z.string().startsWith("3.1"),
  info: z.object({ title: z.string(), version: z.string(), description: z.string().optional() }),
  jsonSchemaDialect: z.string().optional(),
  tags: z.array(z.object({ name: z.string() })),
  paths: z.record(z.string(), z.partialRecord(ApiMethodSchema, ApiOperationSchema)),
  components: z.object({
    schemas: z.record(z.string(), JsonSchemaSchema),
    securitySchemes: z.record(z.string(), z.record(z.string(), z.unknown())),
  }),
});
/** The API description. */
export type ApiDocument = z.infer<typeof ApiDocumentSchema>;
