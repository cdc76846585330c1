import { describe, expect, it } from "vitest";
import type { z } from "zod";
import { AuditPageSchema, AuditVerificationAnswerSchema } from "../../shared/schemas/auditRecord";
import { EntryAnswerSchema, EntryPageSchema } from "../../shared/schemas/entryView";
import { ImportAnswerSchema } from "../../shared/schemas/importReport";
import { BulkApprovalSchema } from "../../shared/schemas/moderation";
import { ReviewPageSchema } from "../../shared/schemas/reviewQueue";
import {
  EffectiveScheduleSchema,
  EmergencyAnswerSchema,
  EmergencyListSchema,
} from "../../shared/schemas/schedule";
import { TakedownListSchema } from "../../shared/schemas/takedown";
import { TimelineSchema } from "../../shared/schemas/timeline";
import { buildCourtExportRows, toCsv } from "../fixtures/courtExport";
import { buildEntryInput } from "../support/entryFactory";
import { createUser } from "../support/principals";
import { api, createDistrict, postJson, putSchedule, useTestServer } from "../support/testServer";

/** Reads a 2xx answer and parses it with the schema the console parses it with. */
async function answer<T>(res: Response, schema: z.ZodType<T>): Promise<T> {
  expect(res.ok, `${res.url} answered ${res.status}`).toBe(true);
  return schema.parse(await res.json());
}

// The console parses every answer with the schema in shared/ and refuses one that does not fit
// ("bad_response"); these pin the server's answers to those schemas at run time.
describe("console-facing answers fit the schemas in shared/", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "dalian");
  });

  it("entries: one entry, a page, the review queue and a bulk approval", async () => {
    const t = server();
    const created = await api(`${t.baseUrl}/api/entries`, {
      method: "POST",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify(buildEntryInput({ districtIds: ["dalian"] })),
    });
    const { entry } = await answer(created, EntryAnswerSchema);
    const page = await answer(await api(`${t.baseUrl}/api/entries?limit=1`), EntryPageSchema);
    expect(page.entries.map((e) => e.id)).toEqual([entry.id]);

    const moderator = await createUser(t.baseUrl, "Moderator", [
      { role: "moderator", scope: "dalian" },
    ]);
    const queue = await answer(
      await moderator.fetch(`${t.baseUrl}/api/entries/review-queue`),
      ReviewPageSchema,
    );
    expect(queue.entries.map((i) => i.entry.id)).toEqual([entry.id]);
    const bulk = await answer(
      await moderator.post(`${t.baseUrl}/api/entries/bulk-approve`, {
        entries: [{ id: entry.id, revision: entry.revision }],
      }),
      BulkApprovalSchema,
    );
    // Without a photo the entry is not clean: refused, with a code and a sentence.
    expect(bulk.refused.map((r) => r.id)).toEqual([entry.id]);
  });

  it("imports: the report", async () => {
    const t = server();
    const rows = buildCourtExportRows(3, { seed: 11 }).map((r) => ({ ...r, 照片: "" }));
    const form = new FormData();
    form.set("kind", "discredited");
    form.set("districtIds", "dalian");
    form.set("expiryDate", "2029-12-31");
    form.set("file", new Blob([new Uint8Array(toCsv(rows))]), "export.csv");
    const { report } = await answer(
      await api(`${t.baseUrl}/api/imports`, { method: "POST", body: form }),
      ImportAnswerSchema,
    );
    expect(report.rows).toHaveLength(3);
  });

  it("schedules: the effective schedule and the timeline", async () => {
    const t = server();
    await putSchedule(t.baseUrl, "dalian", { playlist: [{ type: "redlist" }], dwellSeconds: 8 });
    const effective = await answer(
      await api(`${t.baseUrl}/api/districts/dalian/schedule`),
      EffectiveScheduleSchema,
    );
    expect(effective.fromDistrictId).toBe("dalian");
    const timeline = await answer(
      await api(`${t.baseUrl}/api/districts/dalian/timeline?hours=2`),
      TimelineSchema,
    );
    expect(timeline.scheduleFrom).toBe("dalian");
  });

  it("emergencies: sent, listed and cleared", async () => {
    const t = server();
    const sent = await postJson(`${t.baseUrl}/api/emergencies`, {
      title: "台风红色预警",
      body: "请留在室内。",
      districtIds: ["dalian"],
    });
    expect(sent.status).toBe(201);
    const { emergency } = EmergencyAnswerSchema.parse(sent.body);
    const list = await answer(await api(`${t.baseUrl}/api/emergencies`), EmergencyListSchema);
    expect(list.emergencies.map((e) => e.id)).toContain(emergency.id);
    const cleared = await answer(
      await api(`${t.baseUrl}/api/emergencies/${emergency.id}/clear`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: "{}",
      }),
      EmergencyAnswerSchema,
    );
    expect(cleared.emergency.clearedAt).not.toBeNull();
  });

  it("takedowns and the audit log: a page of records and the chain check", async () => {
    const t = server();
    await answer(await api(`${t.baseUrl}/api/takedowns`), TakedownListSchema);
    const audit = await answer(await api(`${t.baseUrl}/api/audit?limit=2`), AuditPageSchema);
    expect(audit.records).toHaveLength(2);
    expect(audit.nextBefore).not.toBeNull();
    const { verification } = await answer(
      await api(`${t.baseUrl}/api/audit/verify`),
      AuditVerificationAnswerSchema,
    );
    expect(verification.ok).toBe(true);
  });
});
