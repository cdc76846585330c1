import { describe, expect, it } from "vitest";
import { parseTrustProxy, TrustedProxies } from "../../../../server/http/TrustedProxies";

describe("TrustedProxies", () => {
  it("believes nobody by default: the peer is the client, whatever X-Forwarded-For says", () => {
    const none = new TrustedProxies(parseTrustProxy(undefined));
    expect(none.clientAddress("127.0.0.1", "203.0.113.9")).toBe("127.0.0.1");
    expect(none.clientAddress("::ffff:10.0.0.2", "203.0.113.9")).toBe("10.0.0.2");
  });

  it("takes the client from X-Forwarded-For only when the peer is a trusted proxy", () => {
    const t = new TrustedProxies(parseTrustProxy("loopback"));
    expect(t.clientAddress("127.0.0.1", "203.0.113.9")).toBe("203.0.113.9");
    expect(t.clientAddress("::ffff:127.0.0.1", "203.0.113.9")).toBe("203.0.113.9");
    expect(t.clientAddress("::1", ["198.51.100.1"])).toBe("198.51.100.1");
    // A peer that is not the proxy forges nothing.
    expect(t.clientAddress("192.0.2.7", "203.0.113.9")).toBe("192.0.2.7");
    // No header: the proxy itself.
    expect(t.clientAddress("127.0.0.1", undefined)).toBe("127.0.0.1");
  });

  it("walks the list from the right and stops at the first address it does not trust", () => {
    const t = new TrustedProxies(parseTrustProxy("10.0.0.0/8, 127.0.0.1"));
    // The client wrote "1.2.3.4" itself; nginx appended the address it saw.
    expect(t.clientAddress("127.0.0.1", "1.2.3.4, 203.0.113.9, 10.1.2.3")).toBe("203.0.113.9");
    expect(t.clientAddress("127.0.0.1", "1.2.3.4, not-an-ip")).toBe("127.0.0.1");
  });
});
