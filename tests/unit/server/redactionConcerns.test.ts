import { describe, expect, it } from "vitest";
import { readConcerns } from "../../../server/services/RedactionQueue";

describe("redaction concerns as the review queue reads them", () => {
  it("keeps each known concern with its sentence", () => {
    expect(readConcerns([{ code: "several_faces", message: "Three faces." }])).toEqual([
      { code: "several_faces", message: "Three faces." },
    ]);
    expect(readConcerns([])).toEqual([]);
  });

  it("keeps a concern it does not know as a concern all the same (fail closed)", () => {
    const read = readConcerns([{ code: "a_new_kind", message: "?" }, "not even an object"]);
    expect(read).toHaveLength(2);
    expect(read.every((c) => c.message.length > 0)).toBe(true);
  });
});
