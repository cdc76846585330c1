import type { Request, RequestHandler } from "express";
import { AppError } from "../errors";
import { StartupError } from "../errors";
import type { TrustedProxies } from "./TrustedProxies";
import { said } from "../../shared/messages/errorMessages";

/** The address people and screens use to reach the server (SIGNAGE_PUBLIC_URL). */
export interface PublicUrl {
  /** "https://signage.city.gov" (scheme, host and a port other than the default). */
  origin: string;
  /** "signage.city.gov" or "signage.city.gov:8443": what the Host header must say. */
  host: string;
  https: boolean;
}

/** Parses SIGNAGE_PUBLIC_URL; a bad value stops the start with one sentence. */
export function parsePublicUrl(value: string): PublicUrl {
  let url: URL | undefined;
  try {
    url = new URL(value);
  } catch {
    url = undefined;
  }
  if (
    !url ||
    (url.protocol !== "https:" && url.protocol !== "http:") ||
    url.username !== "" ||
    url.password !== "" ||
    url.pathname !== "/" ||
    url.search !== "" ||
    url.hash !== ""
  ) {
    throw new StartupError(
      `Invalid SIGNAGE_PUBLIC_URL: "${value}" must be an http or https address with no path, such as https://signage.city.gov.`,
    );
  }
  return { origin: url.origin, host: url.host, https: url.protocol === "https:" };
}

/** Whether a Host header names the public address (host names are case-insensitive). */
export function hostMatches(host: string | undefined, pub: PublicUrl): boolean {
  return host !== undefined && host.toLowerCase() === pub.host;
}

const clientAddresses = new WeakMap<Request, string>();

/** Paths answered whatever the Host: machines probe them by address. */
const anyHost = new Set(["/healthz", "/metrics"]);

/** The real client address of a request (the peer, or what a trusted proxy forwarded). */
export function clientAddressOf(req: Request): string {
  return clientAddresses.get(req) ?? req.socket.remoteAddress ?? "unknown";
}

/**
 * The first handler of every request: works out the real client address, refuses a Host that is
 * not the public address (DNS rebinding: an attacker's name pointed at this server) and, over
 * https, tells browsers to use https only. /healthz and /metrics (guarded by its own token or
 * address list) stay reachable by any name, for probes and scrapers using the machine's address.
 */
export function publicAddressGuard(deps: {
  publicUrl?: PublicUrl;
  trusted: TrustedProxies;
}): RequestHandler {
  return (req, res, next) => {
    clientAddresses.set(
      req,
      deps.trusted.clientAddress(req.socket.remoteAddress, req.headers["x-forwarded-for"]),
    );
    const pub = deps.publicUrl;
    if (!pub) {
      next();
      return;
    }
    if (pub.https) res.setHeader("Strict-Transport-Security", "max-age=31536000");
    if (!anyHost.has(req.path) && !hostMatches(req.headers.host, pub)) {
      next(
        new AppError(421, "misdirected_request", said("request.wrongHost", { origin: pub.origin })),
      );
      return;
    }
    next();
  };
}
