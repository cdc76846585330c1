import { describe, expect, it } from "vitest";
import { NewPasswordSchema } from "../../../../shared/schemas/account";
import {
  generatePassword,
  oneTimePasswordAlphabet,
} from "../../../../server/services/auth/passwordHash";

describe("one-time passwords (issue 19: read aloud, copied by hand)", () => {
  it("has no look-alike characters and comes in six groups of four", () => {
    for (let i = 0; i < 200; i++) {
      const p = generatePassword();
      expect(p).toMatch(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){5}$/);
      expect(p).not.toMatch(/[01OIl]/);
      expect(NewPasswordSchema.safeParse(p).success).toBe(true);
    }
  });

  it("uses every symbol of a 32-symbol alphabet, so each carries 5 bits (120 in all)", () => {
    expect(oneTimePasswordAlphabet).toHaveLength(32);
    expect(new Set(oneTimePasswordAlphabet).size).toBe(32);
    const seen = new Set(
      Array.from({ length: 200 }, generatePassword).join("").replaceAll("-", ""),
    );
    expect(seen.size).toBe(32);
  });

  it("never repeats itself", () => {
    const many = new Set(Array.from({ length: 1000 }, generatePassword));
    expect(many.size).toBe(1000);
  });
});
