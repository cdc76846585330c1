import { z } from "zod";
import {
  UserAnswerSchema,
  type LoginInput,
  type SetupInput,
  type UserView,
} from "../../../../shared/schemas/account";
import { AnnouncementListSchema, type Announcement } from "../../../../shared/schemas/announcement";
import type { ErrorParams } from "../../../../shared/messages/errorMessages";
import { ApiErrorSchema, type ErrorCode } from "../../../../shared/schemas/apiError";

/** Why a request failed: the server's error code, or one the console names itself. */
export type FailureCode = ErrorCode | "network" | "bad_response";

/**
 * An API failure: a code for the console to act on, the server's (English) sentence, and what
 * went wrong as a reason with its parameters when the server named one, so the console words
 * it in its own language (see describeError).
 */
export class ApiFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
    /** The HTTP status, 0 when no answer came. */
    readonly status: number,
    readonly issues: readonly { path: string; message: string }[] = [],
    /** A key of shared/messages/errorMessages.ts as sent (a newer server may send an unknown one). */
    readonly reason?: string,
    readonly params: ErrorParams = {},
  ) {
    super(message);
    this.name = "ApiFailure";
  }
}

/** Whether a failure means the session is gone (sign in again). */
export function isSignedOut(err: unknown): boolean {
  return err instanceof ApiFailure && err.code === "unauthenticated";
}

/** Whether a failure means the one-time password must be changed first. */
export function needsPasswordChange(err: unknown): boolean {
  return err instanceof ApiFailure && err.code === "password_change_required";
}

/** 204 answers have no body; `res.json()` fails and leaves `undefined`. */
export const NoContent = z.undefined();

/** A request's method and body: JSON (the default) or a multipart form with files. */
export interface ApiRequest {
  method?: "GET" | "POST" | "PATCH" | "PUT" | "DELETE";
  body?: unknown;
}

/** The failure a non-2xx answer describes (its JSON error body), for callers of fetch. */
export async function failureOf(res: Response): Promise<ApiFailure> {
  const body: unknown = await res.json().catch(() => undefined);
  const err = ApiErrorSchema.safeParse(body);
  if (err.success)
    return new ApiFailure(
      err.data.error.code,
      err.data.error.message,
      res.status,
      err.data.error.issues,
      err.data.error.reason,
      err.data.error.params,
    );
  return new ApiFailure("bad_response", `The server answered ${res.status}.`, res.status);
}

/** The failure when no answer came at all. */
export function networkFailure(): ApiFailure {
  return new ApiFailure(
    "network",
    "The server cannot be reached. Check the network and try again.",
    0,
  );
}

/** Calls the API and parses the answer with `schema`; any failure becomes an ApiFailure. */
export async function request<T>(
  path: string,
  schema: z.ZodType<T>,
  init: ApiRequest = {},
): Promise<T> {
  const method = init.method ?? "GET";
  const form = init.body instanceof FormData ? init.body : null;
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      // The browser sets a multipart form's Content-Type itself (with its boundary).
      headers: form
        ? { Accept: "application/json" }
        : { Accept: "application/json", "Content-Type": "application/json" },
      credentials: "same-origin",
      // The server refuses a bodiless POST (415), so one without input sends `{}`.
      ...(method === "GET" ? {} : { body: form ?? JSON.stringify(init.body ?? {}) }),
    });
  } catch {
    throw networkFailure();
  }
  if (!res.ok) throw await failureOf(res);
  const body: unknown = await res.json().catch(() => undefined);
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ApiFailure(
      "bad_response",
      "The server sent an answer this console does not understand.",
      res.status,
    );
  return parsed.data;
}

/** Whether first-run set-up is open (no user exists yet). */
export async function fetchSetupNeeded(): Promise<boolean> {
  const r = await request("/api/setup", z.object({ needed: z.boolean() }));
  return r.needed;
}

/** Creates the first admin (works only from the server machine) and signs them in. */
export async function postSetup(input: SetupInput): Promise<UserView> {
  return (await request("/api/setup", UserAnswerSchema, { method: "POST", body: input })).user;
}

/** Signs in; the server sets the session cookie. */
export async function postLogin(input: LoginInput): Promise<UserView> {
  return (await request("/api/auth/login", UserAnswerSchema, { method: "POST", body: input })).user;
}

/** Ends this session. */
export async function postLogout(): Promise<void> {
  await request("/api/auth/logout", NoContent, { method: "POST" });
}

/** The signed-in user; fails with `unauthenticated` when there is none. */
export async function fetchMe(): Promise<UserView> {
  return (await request("/api/auth/me", UserAnswerSchema)).user;
}

/** Changes one's own password; the server ends the user's other sessions. */
export async function postPasswordChange(input: {
  currentPassword: string;
  newPassword: string;
}): Promise<void> {
  await request("/api/auth/password", NoContent, { method: "POST", body: input });
}

/**
 * The published announcements, shaped as screens get them (what a schedule can play); the
 * announcements page reads their whole life from announcements/announcementsApi.ts.
 */
export async function fetchAnnouncements(): Promise<Announcement[]> {
  const r = await request("/api/announcements?state=published&limit=200", AnnouncementListSchema);
  return r.announcements.flatMap((a) =>
    a.version === null
      ? []
      : [
          {
            id: a.id,
            title: a.title,
            body: a.body,
            language: a.language,
            tags: a.tags,
            createdAt: a.createdAt,
            version: a.version,
            ...(a.startsAt !== null ? { startsAt: a.startsAt } : {}),
            ...(a.endsAt !== null ? { endsAt: a.endsAt } : {}),
          },
        ],
  );
}

/** A query string from the set values of `params` ("" when none is set). */
export function queryString(params: Record<string, string | number | undefined>): string {
  const q = new URLSearchParams();
  for (const [k, v] of Object.entries(params)) if (v !== undefined && v !== "") q.set(k, String(v));
  const text = q.toString();
  return text === "" ? "" : `?${text}`;
}
