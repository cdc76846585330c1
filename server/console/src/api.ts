import { ApiErrorSchema } from "../../../shared/schemas/apiError";
import {
  AnnouncementSchema,
  type Announcement,
  type AnnouncementInput,
} from "../../../shared/schemas/announcement";
import { z } from "zod";

/** An API failure carrying the server's sentence. */
export class ApiFailure extends Error {}

async function request<T>(path: string, schema: z.ZodType<T>, init?: RequestInit): Promise<T> {
  let res: Response;
  try {
    res = await fetch(path, { ...init, headers: { "Content-Type": "application/json" } });
  } catch {
    throw new ApiFailure("The server cannot be reached. Check the network and try again.");
  }
  const body: unknown = await res.json().catch(() => undefined);
  if (!res.ok) {
    const err = ApiErrorSchema.safeParse(body);
    throw new ApiFailure(
      err.success ? err.data.error.message : `The server answered ${res.status}.`,
    );
  }
  const parsed = schema.safeParse(body);
  if (!parsed.success)
    throw new ApiFailure("The server sent an answer this console does not understand.");
  return parsed.data;
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
    body: JSON.stringify(input),
  });
  return r.announcement;
}
