import type { Request, RequestHandler, Response } from "express";
import { AppError } from "../errors";
import type { UserPrincipal } from "../services/auth/principal";
import { SESSION_MAX_MS } from "../services/auth/UserAccounts";
import { said } from "../../shared/messages/errorMessages";

/** The session cookie's name. */
export const SESSION_COOKIE = "signage_session";

const principals = new WeakMap<Request, UserPrincipal>();

/** Reads one cookie from the Cookie header (no cookie-parser needed for one name). */
export function readCookie(req: Request, name: string): string | undefined {
  return cookieFromHeader(req.headers.cookie, name);
}

/** Reads one cookie from a Cookie header's text (a socket handshake's too). */
export function cookieFromHeader(header: string | undefined, name: string): string | undefined {
  if (!header) return undefined;
  for (const part of header.split(";")) {
    const eq = part.indexOf("=");
    if (eq > 0 && part.slice(0, eq).trim() === name) {
      // A malformed %-escape is just a cookie that names no session, never a 500.
      try {
        return decodeURIComponent(part.slice(eq + 1).trim());
      } catch {
        return undefined;
      }
    }
  }
  return undefined;
}

/**
 * Sets the session cookie: HttpOnly, SameSite=Strict, Secure when the request came over https
 * or the public address is https (TLS ends at the reverse proxy).
 */
export function setSessionCookie(
  req: Request,
  res: Response,
  token: string,
  secureAlways = false,
): void {
  res.cookie(SESSION_COOKIE, token, {
    httpOnly: true,
    sameSite: "strict",
    secure: secureAlways || req.secure,
    path: "/",
    maxAge: SESSION_MAX_MS,
  });
}

/** Clears the session cookie. */
export function clearSessionCookie(req: Request, res: Response, secureAlways = false): void {
  res.clearCookie(SESSION_COOKIE, {
    httpOnly: true,
    sameSite: "strict",
    secure: secureAlways || req.secure,
    path: "/",
  });
}

/** Looks up the session behind the cookie, if any; never refuses by itself. */
export function loadPrincipal(
  authenticate: (token: string) => Promise<UserPrincipal | undefined>,
): RequestHandler {
  return async (req, _res, next) => {
    const token = readCookie(req, SESSION_COOKIE);
    if (token !== undefined && token.length > 0 && token.length < 200) {
      const p = await authenticate(token);
      if (p) principals.set(req, p);
    }
    next();
  };
}

/** The signed-in user of a request; 401 when there is none. */
export function principalOf(req: Request): UserPrincipal {
  const p = principals.get(req);
  if (!p) throw new AppError(401, "unauthenticated", said("session.signInFirst"));
  return p;
}

/**
 * The gate in front of every console route: a signed-in user, who has changed a one-time
 * password before doing anything else.
 */
export const requireUser: RequestHandler = (req, _res, next) => {
  const p = principalOf(req);
  if (p.mustChangePassword)
    throw new AppError(403, "password_change_required", said("session.passwordChangeRequired"));
  next();
};

const SAFE_METHODS = new Set(["GET", "HEAD", "OPTIONS"]);

/** Whether an Origin header names the host the request was sent to (this server). */
export function sameOrigin(origin: string | undefined, host: string | undefined): boolean {
  let originHost: string | undefined;
  try {
    originHost = origin === undefined || origin === "null" ? undefined : new URL(origin).host;
  } catch {
    originHost = undefined;
  }
  return originHost !== undefined && originHost === host;
}

/**
 * Whether a request's Origin is this server: the public address's origin when one is configured
 * (behind a proxy the Host alone proves nothing: with DNS rebinding an attacker's page names its
 * own domain in both), else the host the request was sent to.
 */
export function originAllowed(
  origin: string | undefined,
  host: string | undefined,
  publicOrigin: string | undefined,
): boolean {
  if (publicOrigin === undefined) return sameOrigin(origin, host);
  return origin !== undefined && origin.toLowerCase() === publicOrigin;
}

/**
 * CSRF defence besides SameSite=Strict: a state-changing request must carry an Origin header
 * naming this very server (browsers always send one on POST, PUT, PATCH and DELETE).
 */
export function checkOrigin(publicOrigin?: string): RequestHandler {
  return (req, _res, next) => {
    if (SAFE_METHODS.has(req.method)) {
      next();
      return;
    }
    const origin = req.headers.origin;
    if (!originAllowed(origin, req.headers.host, publicOrigin)) {
      throw new AppError(
        403,
        "forbidden",
        origin === undefined
          ? said("session.originMissing")
          : said("session.originRefused", { origin }),
      );
    }
    next();
  };
}
