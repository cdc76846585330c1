import { describe, expect, it } from "vitest";
import { isUniqueViolation } from "../../../server/store/uniqueViolation";

describe("isUniqueViolation", () => {
  it.each([
    [{ code: "SQLITE_CONSTRAINT_UNIQUE" }, true],
    [{ code: "SQLITE_CONSTRAINT_PRIMARYKEY" }, true],
    [{ code: "23505" }, true],
    [{ code: "SQLITE_BUSY" }, false],
    [{ code: "23503" }, false],
    [new Error("x"), false],
    [null, false],
    ["23505", false],
  ])("reads %o as %s", (err, expected) => {
    expect(isUniqueViolation(err)).toBe(expected);
  });
});
