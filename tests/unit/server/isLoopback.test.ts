import { describe, expect, it } from "vitest";
import { isLoopback } from "../../../server/http/isLoopback";

describe("isLoopback (first-run set-up is allowed only from the server machine)", () => {
  it.each(["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])("accepts %s", (addr) => {
    expect(isLoopback(addr)).toBe(true);
  });

  it.each(["10.1.2.3", "203.0.113.9", "::ffff:192.168.1.5", "fe80::1", "", undefined])(
    "refuses %s",
    (addr) => {
      expect(isLoopback(addr)).toBe(false);
    },
  );
});
