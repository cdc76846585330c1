import { describe, expect, it } from "vitest";
import { z } from "zod";
import { apiTagsZh } from "../../../../server/console/src/api/apiMessages";
import { fieldsOf, rulesOf, typeText } from "../../../../server/console/src/api/apiSchemaText";
import { buildOpenApiDocument } from "../../../../server/openapi/document";
import { operations, type Operation } from "../../../../server/openapi/operations";
import { ApiDocumentSchema } from "../../../../shared/schemas/apiDescription";

const probe = (over: Partial<Operation>): Operation => ({
  operationId: "probe",
  method: "post",
  path: "/api/probe",
  tag: "Probe",
  summary: "A probe.",
  auth: "session",
  answer: { status: 204, description: "Done." },
  ...over,
});

describe("the OpenAPI document built from the operations", () => {
  it("fits the shape the console reads, and names every group in Chinese too", () => {
    const doc = ApiDocumentSchema.parse(buildOpenApiDocument("1.2.3"));
    expect(doc.info.version).toBe("1.2.3");
    expect(doc.tags.map((t) => t.name).filter((t) => !(t in apiTagsZh))).toEqual([]);
  });

  it("describes a request body from the route's zod schema as callers send it (defaults optional)", () => {
    const body = z.strictObject({
      title: z.string().min(1).max(120),
      level: z.enum(["low", "high"]).default("low"),
    });
    const doc = buildOpenApiDocument("t", [
      probe({ body: { kind: "json", schema: { name: "ProbeInput", schema: body } } }),
    ]);
    const fields = fieldsOf(doc, { $ref: "#/components/schemas/ProbeInput" });
    expect(fields.map((f) => [f.name, f.required, typeText(f.schema)])).toEqual([
      ["title", true, "string"],
      ["level", false, '"low" | "high"'],
    ]);
    expect(rulesOf(fields[0]?.schema ?? {})).toEqual([{ kind: "length", min: 1, max: 120 }]);
    expect(doc.components.schemas["ProbeInput"]).toMatchObject({ additionalProperties: false });
    // The session's, the permission's and validation's refusals come with every such call.
    const codes = doc.paths["/api/probe"]?.post?.responses["400"]?.["x-error-codes"];
    expect(codes).toContain("validation_failed");
    expect(doc.paths["/api/probe"]?.post?.responses["401"]?.["x-error-codes"]).toEqual([
      "unauthenticated",
    ]);
  });

  it("refuses two different schemas under one name, and one route described twice", () => {
    const a = { name: "Same", schema: z.object({ a: z.string() }) };
    const b = { name: "Same", schema: z.object({ b: z.string() }) };
    expect(() =>
      buildOpenApiDocument("t", [
        probe({ body: { kind: "json", schema: a } }),
        probe({ operationId: "other", path: "/api/other", body: { kind: "json", schema: b } }),
      ]),
    ).toThrow(/Same/);
    expect(() => buildOpenApiDocument("t", [probe({}), probe({ operationId: "again" })])).toThrow(
      /described twice/,
    );
  });

  it("gives every operation a unique id", () => {
    const ids = operations.map((o) => o.operationId);
    expect(ids.filter((id, i) => ids.indexOf(id) !== i)).toEqual([]);
  });
});
