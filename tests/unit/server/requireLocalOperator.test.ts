import type { Request, Response } from "express";
import { describe, expect, it } from "vitest";
import { AppError } from "../../../server/errors";
import { requireLocalOperator } from "../../../server/http/requireLocalOperator";

function decide(remoteAddress: string): unknown {
  let passed: unknown = "not called";
  const req = { socket: { remoteAddress } } as unknown as Request;
  void requireLocalOperator(req, {} as Response, (err?: unknown) => {
    passed = err;
  });
  return passed;
}

describe("requireLocalOperator (the seam until accounts exist)", () => {
  it.each(["127.0.0.1", "::1", "::ffff:127.0.0.1"])("lets %s use the console API", (addr) => {
    expect(decide(addr)).toBeUndefined();
  });

  it.each(["10.1.2.3", "203.0.113.9", "::ffff:192.168.1.5", "fe80::1", ""])(
    "refuses %s with a 403",
    (addr) => {
      const err = decide(addr);
      expect(err).toBeInstanceOf(AppError);
      expect(err).toMatchObject({ status: 403, code: "forbidden" });
    },
  );
});
