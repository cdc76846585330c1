import { describe, expect, it } from "vitest";
import { sanitiseAuditDetails } from "../../../server/services/audit/sanitiseAuditDetails";

describe("sanitiseAuditDetails", () => {
  it.each([
    "idNumber",
    "id_number",
    "IDNUMBER",
    "idnumber",
    "photo",
    "Photo",
    "raw",
    "bytes",
    "password",
    "passwordHash",
    "password_hash",
    "token",
    "TOKEN",
  ])("withholds the value of a %s key", (key) => {
    expect(sanitiseAuditDetails({ [key]: "110101199003071234", kept: 1 })).toEqual({
      [key]: "[withheld]",
      kept: 1,
    });
  });

  it("withholds secret keys at any depth, in objects and in arrays", () => {
    const out = sanitiseAuditDetails({
      before: { fullName: "张三", idNumber: "110101199003071234" },
      rows: [{ line: 2, id_number: "110101199003071234" }],
      nested: { deeper: { password: "hunter2", token: { value: "abc" } } },
    });
    expect(out).toEqual({
      before: { fullName: "张三", idNumber: "[withheld]" },
      rows: [{ line: 2, id_number: "[withheld]" }],
      nested: { deeper: { password: "[withheld]", token: "[withheld]" } },
    });
    expect(JSON.stringify(out)).not.toContain("110101199003071234");
  });

  it("keeps keys that only resemble a raw-data one", () => {
    const details = { id: "e1", hasPhoto: true, photoCount: 2, hasIdNumber: true };
    expect(sanitiseAuditDetails(details)).toEqual(details);
  });

  it("withholds any key that mentions a password, token, secret or sealed value", () => {
    const out = sanitiseAuditDetails({
      newPassword: "hunter2hunter2",
      currentPassword: "x",
      tokenHash: "ab12",
      clientSecret: "s",
      id_number_sealed: "c2VhbGVk",
      id_fingerprint: "f00d",
      reason: "court_order",
    });
    expect(out).toEqual({
      newPassword: "[withheld]",
      currentPassword: "[withheld]",
      tokenHash: "[withheld]",
      clientSecret: "[withheld]",
      id_number_sealed: "[withheld]",
      id_fingerprint: "[withheld]",
      reason: "court_order",
    });
  });

  it("withholds binary values under any key, in arrays too", () => {
    const out = sanitiseAuditDetails({
      image: Buffer.from("raw jpeg"),
      view: new Uint8Array([1, 2, 3]),
      parts: ["a", Buffer.from([0xff]), new ArrayBuffer(4)],
    });
    expect(out).toEqual({
      image: "[withheld]",
      view: "[withheld]",
      parts: ["a", "[withheld]", "[withheld]"],
    });
  });

  it("leaves the caller's object untouched", () => {
    const details = { who: { password: "hunter2" } };
    sanitiseAuditDetails(details);
    expect(details).toEqual({ who: { password: "hunter2" } });
  });

  it("turns what JSON cannot hold into plain JSON", () => {
    const out = sanitiseAuditDetails({
      when: new Date("2024-05-01T08:00:00Z"),
      skipped: undefined,
      fn: () => 1,
      big: 12345678901234567890n,
      nan: Number.NaN,
      list: [undefined, 1],
      tags: new Set(["a", "b"]),
      fields: new Map([
        ["idNumber", "110101199003071234"],
        ["name", "张三"],
      ]),
      error: new Error("disk full"),
    });
    expect(out).toEqual({
      when: "2024-05-01T08:00:00.000Z",
      big: "12345678901234567890",
      nan: null,
      list: [null, 1],
      tags: ["a", "b"],
      fields: { idNumber: "[withheld]", name: "张三" },
      error: { name: "Error", message: "disk full" },
    });
  });

  it("cuts a cycle without losing a value that is merely shared", () => {
    const shared = { n: 1 };
    const loop: Record<string, unknown> = { shared, again: shared };
    loop["self"] = loop;
    expect(sanitiseAuditDetails(loop)).toEqual({
      shared: { n: 1 },
      again: { n: 1 },
      self: "[circular]",
    });
  });

  it("keeps a __proto__ key as data, never as a prototype", () => {
    const details = JSON.parse('{"__proto__": {"polluted": true}}') as Record<string, unknown>;
    const out = sanitiseAuditDetails(details);
    expect(Object.getPrototypeOf(out)).toBe(Object.prototype);
    expect(JSON.parse(JSON.stringify(out))).toEqual(details);
    expect(({} as Record<string, unknown>)["polluted"]).toBeUndefined();
  });
});
