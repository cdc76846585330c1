import { z } from "zod";
import {
  UserViewSchema,
  type LoginInput,
  type SetupInput,
  type UserView,
} from "../../../shared/schemas/account";
import {
  AnnouncementSchema,
  type Announcement,
  type AnnouncementInput,
} from "../../../shared/schemas/announcement";
import { ApiErrorSchema, type ErrorCode } from "../../../shared/schemas/apiError";

/** Why a request failed: the server's error code, or one the console names itself. */
export type FailureCode = ErrorCode | "network" | "bad_response";

/** An API failure: a code for the console to act on and the server's sentence for people. */
export class ApiFailure extends Error {
  constructor(
    readonly code: FailureCode,
    message: string,
    /** The HTTP status, 0 when no answer came. */
    readonly status: number,
    readonly issues: readonly { path: string; message: string }[] = [],
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

// 204 answers have no body; `res.json()` fails and leaves `undefined`.
const NoContent = z.undefined();

async function request<T>(
  path: string,
  schema: z.ZodType<T>,
  init: { method?: "GET" | "POST"; body?: unknown } = {},
): Promise<T> {
  const method = init.method ?? "GET";
  let res: Response;
  try {
    res = await fetch(path, {
      method,
      headers: { Accept: "application/json", "Content-Type": "application/json" },
      credentials: "same-origin",
      // The server refuses a bodiless POST (415), so one without input sends `{}`.
      ...(method === "POST" ? { body: JSON.stringify(init.body ?? {}) } : {}),
    });
  } catch {
    throw new ApiFailure(
      "network",
      "The server cannot be reached. Check the network and try again.",
      0,
    );
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const err = ApiErrorSchema.safeParse(body);
    if (err.success)
      throw new ApiFailure(
        err.data.error.code,
        err.data.error.message,
        res.status,
        err.data.error.issues,
      );
    throw new ApiFailure("bad_response", `The server answered ${res.status}.`, res.status);
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ApiFailure(
      "bad_response",
      "The server sent an answer this console does not understand.",
      res.status,
    );
  return parsed.data;
}

const UserAnswer = z.object({ user: UserViewSchema });

/** Whether first-run set-up is open (no user exists yet). */
export async function fetchSetupNeeded(): Promise<boolean> {
  const r = await request("/api/setup", z.object({ needed: z.boolean() }));
  return r.needed;
}

/** Creates the first admin (works only from the server machine) and signs them in. */
export async function postSetup(input: SetupInput): Promise<UserView> {
  return (await request("/api/setup", UserAnswer, { method: "POST", body: input })).user;
}

/** Signs in; the server sets the session cookie. */
export async function postLogin(input: LoginInput): Promise<UserView> {
  return (await request("/api/auth/login", UserAnswer, { method: "POST", body: input })).user;
}

/** Ends this session. */
export async function postLogout(): Promise<void> {
  await request("/api/auth/logout", NoContent, { method: "POST" });
}

/** The signed-in user; fails with `unauthenticated` when there is none. */
export async function fetchMe(): Promise<UserView> {
  return (await request("/api/auth/me", UserAnswer)).user;
}

/** Changes one's own password; the server ends the user's other sessions. */
export async function postPasswordChange(input: {
  currentPassword: string;
  newPassword: string;
}): Promise<void> {
  await request("/api/auth/password", NoContent, { method: "POST", body: input });
}

/** Lists published announcements. */
export async function fetchAnnouncements(): Promise<Announcement[]> {
  const r = await request(
    "/api/announcements",
    z.object({ announcements: z.array(AnnouncementSchema) }),
  );
  return r.announcements;
}

/** Publishes an announcement to every screen. */
export async function postAnnouncement(input: AnnouncementInput): Promise<Announcement> {
  const r = await request("/api/announcements", z.object({ announcement: AnnouncementSchema }), {
    method: "POST",
    body: input,
  });
  return r.announcement;
}
