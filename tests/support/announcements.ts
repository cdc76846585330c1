import { expect } from "vitest";
import { AnnouncementViewSchema, type AnnouncementView } from "../../shared/schemas/announcement";
import { createUser, type TestUser } from "./principals";
import { postJson, type TestServer } from "./testServer";

/** A second person per server, who approves what the default admin submits (four eyes). */
const approvers = new Map<string, Promise<TestUser>>();

/** The city-wide moderator that approves announcements on this server (made once). */
export function announcementApprover(t: Pick<TestServer, "baseUrl">): Promise<TestUser> {
  let approver = approvers.get(t.baseUrl);
  if (!approver) {
    approver = createUser(t.baseUrl, "approver", [{ role: "moderator", scope: "*" }]);
    approvers.set(t.baseUrl, approver);
  }
  return approver;
}

/** Reads an announcement answer's body. */
export async function announcementOf(res: Response): Promise<AnnouncementView> {
  return AnnouncementViewSchema.parse(
    ((await res.json()) as { announcement: unknown }).announcement,
  );
}

/**
 * Publishes an announcement as screens get one: the default admin writes it and sends it to
 * review, a second person (a city-wide moderator) approves the revision they saw. `input` is
 * what POST /api/announcements takes (a title at least); the whole city unless it says.
 */
export async function publishAnnouncement(
  t: Pick<TestServer, "baseUrl">,
  input: Record<string, unknown>,
): Promise<AnnouncementView> {
  const created = await postJson(`${t.baseUrl}/api/announcements`, { ...input, submit: true });
  expect(created.status).toBe(201);
  const draft = AnnouncementViewSchema.parse(
    (created.body as { announcement: unknown }).announcement,
  );
  const approver = await announcementApprover(t);
  const approved = await approver.post(`${t.baseUrl}/api/announcements/${draft.id}/approve`, {
    revision: draft.revision,
  });
  expect(approved.status).toBe(200);
  const published = await announcementOf(approved);
  expect(published.state).toBe("published");
  return published;
}
