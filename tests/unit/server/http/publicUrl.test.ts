import { describe, expect, it } from "vitest";
import { hostMatches, parsePublicUrl } from "../../../../server/http/publicUrl";
import { originAllowed } from "../../../../server/http/session";

const pub = parsePublicUrl("https://signage.city.gov");

describe("the public address", () => {
  it("fails the Origin check of a DNS-rebinding request, whose Host and Origin both name the attacker", () => {
    expect(originAllowed("http://attacker.example", "attacker.example", pub.origin)).toBe(false);
    expect(hostMatches("attacker.example", pub)).toBe(false);
    // Without a public address the old rule (Origin names the Host) is all there is.
    expect(originAllowed("http://attacker.example", "attacker.example", undefined)).toBe(true);
  });

  it("accepts only the public origin exactly: scheme, host and port", () => {
    expect(originAllowed("https://signage.city.gov", "signage.city.gov", pub.origin)).toBe(true);
    expect(originAllowed("https://Signage.City.gov", "signage.city.gov", pub.origin)).toBe(true);
    for (const origin of [
      "http://signage.city.gov",
      "https://signage.city.gov:8443",
      "https://signage.city.gov.attacker.example",
      "null",
      undefined,
    ])
      expect(originAllowed(origin, "signage.city.gov", pub.origin), String(origin)).toBe(false);
    expect(hostMatches("SIGNAGE.city.gov", pub)).toBe(true);
    expect(hostMatches("signage.city.gov:443", pub)).toBe(false);
    expect(hostMatches(undefined, pub)).toBe(false);
  });
});
