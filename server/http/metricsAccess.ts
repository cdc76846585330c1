import { createHash, timingSafeEqual } from "node:crypto";
import { BlockList, isIP } from "node:net";
import type { RequestHandler } from "express";
import { z } from "zod";
import { AppError, StartupError } from "../errors";
import { said } from "../../shared/messages/errorMessages";

/** Who may scrape /metrics: a bearer token, addresses (IPs and CIDRs), or both. */
export interface MetricsAccess {
  /** SIGNAGE_METRICS_TOKEN: `Authorization: Bearer <token>`. */
  token?: string;
  /** SIGNAGE_METRICS_ALLOW: IPs and CIDR ranges that may scrape without the token. */
  allow: readonly string[];
}

/** A metrics token long enough not to be guessed. */
export const MetricsTokenSchema = z
  .string()
  .min(16, "SIGNAGE_METRICS_TOKEN must be at least 16 characters.")
  .max(200, "SIGNAGE_METRICS_TOKEN must be at most 200 characters.")
  .regex(/^[\x21-\x7e]+$/, "SIGNAGE_METRICS_TOKEN must be printable ASCII without spaces.");

/**
 * Parses SIGNAGE_METRICS_ALLOW: absent or empty allows no address; otherwise IPs and CIDR
 * ranges separated by commas. A bad item stops the start with one sentence.
 */
export function parseMetricsAllow(value: string | undefined): string[] {
  if (value === undefined || value.trim() === "") return [];
  const items = value.split(",").map((s) => s.trim());
  for (const item of items) {
    const [address = "", bits, ...rest] = item.split("/");
    const family = isIP(address);
    const max = family === 4 ? 32 : 128;
    const bitsOk = bits === undefined || (/^\d{1,3}$/.test(bits) && Number(bits) <= max);
    if (family === 0 || !bitsOk || rest.length > 0)
      throw new StartupError(
        `Invalid SIGNAGE_METRICS_ALLOW: "${item}" is not an IP address or a CIDR range such as 10.0.0.0/8; list the monitoring hosts separated by commas.`,
      );
  }
  return items;
}

/** A socket address without the IPv4-mapped IPv6 prefix (::ffff:10.0.0.1 → 10.0.0.1). */
function plain(address: string): string {
  return /^::ffff:(\d+\.\d+\.\d+\.\d+)$/i.exec(address)?.[1] ?? address;
}

/** Compares two secrets in constant time (hashed first, so their lengths do not show either). */
function sameSecret(given: string, expected: string): boolean {
  const a = createHash("sha256").update(given).digest();
  const b = createHash("sha256").update(expected).digest();
  return timingSafeEqual(a, b);
}

/**
 * Guards /metrics: off (404) unless a token or addresses are configured; then a caller from an
 * allowed address (req.ip, so behind a trusted proxy the real client) or with the bearer token
 * passes, a wrong token gets 403, no credential 401.
 */
export function metricsAccess(access: MetricsAccess | undefined): RequestHandler {
  const allowed = new BlockList();
  for (const item of access?.allow ?? []) {
    const [address = "", bits] = item.split("/");
    const family = isIP(address) === 4 ? "ipv4" : "ipv6";
    if (bits === undefined) allowed.addAddress(address, family);
    else allowed.addSubnet(address, Number(bits), family);
  }
  const token = access?.token;
  const enabled = token !== undefined || (access?.allow.length ?? 0) > 0;
  return (req, _res, next) => {
    if (!enabled) {
      next(new AppError(404, "not_found", said("metrics.off")));
      return;
    }
    const address = plain(req.ip ?? "");
    const family = isIP(address);
    if (family !== 0 && allowed.check(address, family === 4 ? "ipv4" : "ipv6")) {
      next();
      return;
    }
    const header = req.get("authorization");
    const bearer = header === undefined ? undefined : /^Bearer\s+(\S+)\s*$/i.exec(header)?.[1];
    if (bearer === undefined) {
      next(
        new AppError(
          401,
          "unauthenticated",
          said(token === undefined ? "metrics.addressNotAllowed" : "metrics.tokenMissing"),
        ),
      );
      return;
    }
    if (token === undefined || !sameSecret(bearer, token)) {
      next(new AppError(403, "forbidden", said("metrics.tokenWrong")));
      return;
    }
    next();
  };
}
