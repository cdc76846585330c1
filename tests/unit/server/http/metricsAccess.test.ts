import type { Request } from "express";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../../server/errors";
import { metricsAccess, parseMetricsAllow } from "../../../../server/http/metricsAccess";

const TOKEN = "a-long-metrics-token-0123";

/** Runs the guard on a request from `ip` with an optional Authorization header. */
function verdict(
  access: Parameters<typeof metricsAccess>[0],
  ip: string,
  authorization?: string,
): number {
  const req = {
    ip,
    get: (name: string) => (name.toLowerCase() === "authorization" ? authorization : undefined),
  } as unknown as Request;
  let outcome = 0;
  metricsAccess(access)(req, {} as never, (err?: unknown) => {
    outcome = err instanceof AppError ? err.status : 200;
  });
  return outcome;
}

describe("metricsAccess", () => {
  it("is off (404) when neither a token nor an address is configured", () => {
    expect(verdict(undefined, "127.0.0.1", `Bearer ${TOKEN}`)).toBe(404);
    expect(verdict({ allow: [] }, "127.0.0.1")).toBe(404);
  });

  it("lets the configured addresses and ranges in without a token, and no one else", () => {
    const access = { allow: parseMetricsAllow("10.1.2.3, 192.168.0.0/16, fd00::/8") };
    expect(verdict(access, "10.1.2.3")).toBe(200);
    expect(verdict(access, "::ffff:192.168.40.7")).toBe(200);
    expect(verdict(access, "fd12::1")).toBe(200);
    expect(verdict(access, "10.1.2.4")).toBe(401);
    expect(verdict(access, "8.8.8.8", `Bearer ${TOKEN}`)).toBe(403);
  });

  it("takes the right bearer token only", () => {
    const access = { token: TOKEN, allow: [] };
    expect(verdict(access, "8.8.8.8", `Bearer ${TOKEN}`)).toBe(200);
    expect(verdict(access, "8.8.8.8", `bearer ${TOKEN}`)).toBe(200);
    expect(verdict(access, "8.8.8.8")).toBe(401);
    expect(verdict(access, "8.8.8.8", `Basic ${TOKEN}`)).toBe(401);
    expect(verdict(access, "8.8.8.8", `Bearer ${TOKEN.slice(0, -1)}`)).toBe(403);
    expect(verdict(access, "127.0.0.1", "Bearer x")).toBe(403);
  });

  it("refuses a malformed SIGNAGE_METRICS_ALLOW with one sentence", () => {
    expect(() => parseMetricsAllow("10.0.0.0/33")).toThrow(/"10.0.0.0\/33" is not an IP/);
    expect(() => parseMetricsAllow("prometheus.local")).toThrow(/SIGNAGE_METRICS_ALLOW/);
    expect(parseMetricsAllow(" ")).toEqual([]);
  });
});
