import { describe, expect, it } from "vitest";
import { limitKeyOf } from "../../../../server/sockets/SocketBounds";

describe("whose socket limits an address counts against", () => {
  it("keeps an IPv4 address as it is: a site's screens share one behind NAT", () => {
    expect(limitKeyOf("203.0.113.7")).toBe("203.0.113.7");
    expect(limitKeyOf("203.0.113.8")).not.toBe(limitKeyOf("203.0.113.7"));
  });

  it("takes an IPv6 address's /64: one network cannot take every place by changing address", () => {
    expect(limitKeyOf("2001:db8:1:2::1")).toBe(limitKeyOf("2001:db8:1:2:ffff:0:0:9"));
    expect(limitKeyOf("2001:db8:1:2::1")).not.toBe(limitKeyOf("2001:db8:1:3::1"));
  });
});
