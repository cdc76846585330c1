/**
 * Due process on the street (DESIGN non-negotiable 9): a court-list slide says why the entry is
 * listed and on what legal basis. An entry without them is not approved, one by one or in bulk,
 * until they are added (and that change reviewed); a commendation names no legal basis.
 */
import { beforeAll, describe, expect, it } from "vitest";
import { wordError } from "../../shared/messages/errorMessages";
import { EntryViewSchema, type EntryView } from "../../shared/schemas/entryView";
import type { BulkApproval } from "../../shared/schemas/moderation";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import { api, createDistrict, type TestServer } from "../support/testServer";
import { databaseBackends, useTestServerOn } from "../support/databases";

const [sqlite] = databaseBackends;

describe("approval and the slide's due-process facts", () => {
  const server = useTestServerOn(sqlite ?? { name: "SQLite" }, {}, async (t: TestServer) => {
    await createDistrict(t.baseUrl, "da");
  });
  let operator: TestUser;
  let moderator: TestUser;
  beforeAll(async () => {
    const url = server().baseUrl;
    operator = await createUser(url, "operator", [{ role: "operator", scope: "da" }]);
    moderator = await createUser(url, "moderator", [{ role: "moderator", scope: "da" }]);
  });

  /** An organisation's entry (no photo to redact) made by the operator. */
  async function create(overrides: Parameters<typeof buildEntryInput>[0]): Promise<EntryView> {
    const res = await operator.post(
      `${server().baseUrl}/api/entries`,
      buildEntryInput({
        districtIds: ["da"],
        subjectType: "organisation",
        fullName: `东城区宏达建材${Math.random().toString(36).slice(2, 8)}有限公司`,
        idNumber: undefined,
        ...overrides,
      }),
    );
    expect(res.status).toBe(201);
    return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry);
  }

  async function stateOf(id: string): Promise<string> {
    const res = await api(`${server().baseUrl}/api/entries/${id}`);
    return EntryViewSchema.parse(((await res.json()) as { entry: unknown }).entry).state;
  }

  it("refuses to approve an entry that says neither why nor on what basis, in both languages", async () => {
    const entry = await create({ listingGround: "", legalBasisNumber: " " });
    const res = await approveAsSeen(server().baseUrl, moderator, entry.id);
    expect(res.status).toBe(409);
    const body = (await res.json()) as {
      error: { reason: string; message: string; params: Record<string, string> };
    };
    expect(body.error.reason).toBe("entry.dueProcessMissing");
    expect(body.error.message).toMatch(/ground for listing, legal basis document number/);
    expect(wordError("entry.dueProcessMissing", body.error.params, "zh-CN")).toMatch(
      /失信情形、执行依据文号/,
    );
    expect(await stateOf(entry.id)).toBe("pending_review");

    // Nor in bulk: it is not clean.
    const bulk = await moderator.post(`${server().baseUrl}/api/entries/bulk-approve`, {
      entries: [{ id: entry.id, revision: entry.revision }],
    });
    const outcome = (await bulk.json()) as BulkApproval;
    expect(outcome.approved).toEqual([]);
    expect(outcome.refused.map((r) => [r.id, r.reason])).toEqual([
      [entry.id, "entry.dueProcessMissing"],
    ]);
    expect(await stateOf(entry.id)).toBe("pending_review");

    // Added by the operator, the change reviewed: approved.
    const fixed = await operator.fetch(`${server().baseUrl}/api/entries/${entry.id}`, {
      method: "PATCH",
      headers: { "Content-Type": "application/json" },
      body: JSON.stringify({
        listingGround: "有履行能力而拒不履行",
        legalBasisNumber: "（2023）京0101民初2001号民事判决书",
      }),
    });
    expect(fixed.status).toBe(200);
    expect((await approveAsSeen(server().baseUrl, moderator, entry.id)).status).toBe(200);
    expect(await stateOf(entry.id)).toBe("approved");
  });

  it("approves a commendation without a legal basis", async () => {
    const entry = await create({ kind: "redlist", listingGround: "", legalBasisNumber: "" });
    expect((await approveAsSeen(server().baseUrl, moderator, entry.id)).status).toBe(200);
  });
});
