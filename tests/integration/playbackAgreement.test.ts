import { beforeAll, describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import { ContentStore } from "../../display/renderer/src/ContentStore";
import { frameAt, type Slide } from "../../display/renderer/src/playback";
import type { ScheduleResult } from "../../shared/schedule/evaluateSchedule";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { buildAnnouncementInput } from "../support/factories";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  pairKiosk,
  postJson,
  putSchedule,
  syncKiosk,
  useTestServer,
  type TestServer,
} from "../support/testServer";

/*
 * The console's "what plays at" against the street: a real kiosk is paired, takes its full
 * manifest from sync, and plans its slides as the renderer does (ContentStore, then frameAt);
 * the console asks the timeline route over HTTP. At every instant sampled, both must name the
 * same thing on screen.
 */

interface Timeline {
  scheduleFrom: string | null;
  now: ScheduleResult | null;
  segments: { start: string; end: string; result: ScheduleResult }[];
}

/** What is on screen, in words both sides can be put in: "entry:<id>", "nothing", … */
function ofSlide(slide: Slide): string {
  switch (slide.kind) {
    case "announcement":
      return `announcement:${slide.announcement.id}`;
    case "entry":
      return `entry:${slide.entry.id}`;
    case "list":
      return `list:${slide.entries.map((e) => e.id).join(",")}`;
    case "emergency":
      return `emergency:${slide.emergency.id}`;
    case "idle":
      return "idle";
    // The waiting screen is the kiosk's face for "nothing to show" without a schedule.
    case "blank":
    case "waiting":
      return "nothing";
  }
}

function ofResult(result: ScheduleResult, announcementIds: ReadonlySet<string>): string {
  switch (result.kind) {
    case "emergency":
      return `emergency:${result.emergencyId}`;
    case "slide":
      if (result.list) return `list:${result.list.itemIds.join(",")}`;
      return `${announcementIds.has(result.itemId) ? "announcement" : "entry"}:${result.itemId}`;
    case "idle":
      return "idle";
    case "blank":
      return "nothing";
  }
}

/** What a kiosk paired in `districtId` shows at an instant, from what its sync gave it. */
async function kioskPlan(
  t: TestServer,
  districtId: string,
): Promise<{ at: (instant: number) => string; entryExpiry: (id: string) => number }> {
  const { socket } = await pairKiosk(t.baseUrl, districtId);
  try {
    const delta = await syncKiosk(socket);
    expect(delta.full).toBe(true);
    return {
      at: (instant) => {
        // The renderer's own path: the store it syncs into, then the frame the Player draws.
        const store = new ContentStore(() => instant);
        store.apply(delta);
        const frame = frameAt(
          {
            announcements: store.announcements(),
            entries: store.entries(instant),
            schedule: store.schedule,
            emergencies: store.emergencies,
          },
          instant,
        );
        return ofSlide(frame.slide);
      },
      entryExpiry: (id) => {
        const entry = delta.entries.find((e) => e.id === id);
        if (!entry) throw new Error(`the kiosk holds no entry ${id}`);
        return Date.parse(entry.expiresAt);
      },
    };
  } finally {
    socket.disconnect();
  }
}

/** What the console says a district's screens show at an instant, from one timeline answer. */
async function consolePlan(
  t: TestServer,
  districtId: string,
  from: number,
  hours: number,
): Promise<{ timeline: Timeline; at: (instant: number) => string }> {
  const res = await api(
    `${t.baseUrl}/api/districts/${districtId}/timeline?from=${new Date(from).toISOString()}&hours=${hours}`,
  );
  expect(res.status).toBe(200);
  const timeline = (await res.json()) as Timeline;
  const announcements = (await (await api(`${t.baseUrl}/api/announcements`)).json()) as {
    announcements: { id: string }[];
  };
  const ids = new Set(announcements.announcements.map((a) => a.id));
  return {
    timeline,
    at: (instant) => {
      const segment = timeline.segments.find(
        (s) => Date.parse(s.start) <= instant && instant < Date.parse(s.end),
      );
      return segment ? ofResult(segment.result, ids) : "no answer";
    },
  };
}

/** The instants where console and kiosk disagree, as "instant: console ≠ kiosk". */
function disagreements(
  instants: readonly number[],
  preview: (instant: number) => string,
  kiosk: (instant: number) => string,
): string[] {
  return instants.flatMap((i) => {
    const said = preview(i);
    const shown = kiosk(i);
    return said === shown ? [] : [`${new Date(i).toISOString()}: ${said} ≠ ${shown}`];
  });
}

async function createDistrictIn(
  t: TestServer,
  id: string,
  parentId: string | null,
  timeZone: string,
): Promise<void> {
  const res = await postJson(`${t.baseUrl}/api/districts`, {
    id,
    parentId,
    nameZh: `${id}区`,
    nameEn: `${id} district`,
    timeZone,
  });
  expect(res.status).toBe(201);
}

describe("the console's timeline shows what a kiosk shows", () => {
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } });
  let moderator: TestUser;

  beforeAll(async () => {
    moderator = await createUser(server().baseUrl, "moderator", [
      { role: "moderator", scope: "*" },
    ]);
  });

  /** Creates and approves an entry listed in `districtIds`; returns its id. */
  async function publishEntry(
    districtIds: string[],
    overrides: Parameters<typeof buildEntryInput>[0] = {},
  ): Promise<string> {
    const t = server();
    const created = await postJson(
      `${t.baseUrl}/api/entries`,
      buildEntryInput({ districtIds, ...overrides }),
    );
    expect(created.status).toBe(201);
    const id = (created.body as { entry: { id: string } }).entry.id;
    expect((await approveAsSeen(t.baseUrl, moderator, id)).status).toBe(200);
    return id;
  }

  it("for a district with no schedule: the fallback rotation the kiosk plays", async () => {
    const t = server();
    await createDistrictIn(t, "plain", null, "Asia/Shanghai");
    for (const title of ["无排期一", "无排期二"])
      await publishAnnouncement(t, buildAnnouncementInput({ title }));
    const listed = await publishEntry(["plain"]);
    const red = await publishEntry(["plain"], { kind: "redlist" });

    const kiosk = await kioskPlan(t, "plain");
    const from = Date.parse("2027-03-10T01:00:00Z");
    const preview = await consolePlan(t, "plain", from, 1);
    expect(preview.timeline.scheduleFrom).toBeNull();
    // Every 3 s over ten minutes: each slide of the 10 s rotation, more than once round.
    const instants = Array.from({ length: 200 }, (_, i) => from + i * 3_000);
    expect(disagreements(instants, preview.at, kiosk.at)).toEqual([]);
    // The rotation reached the kiosk's list entries, so the comparison covered them too.
    const shown = new Set(instants.map(kiosk.at));
    expect(shown).toContain(`entry:${listed}`);
    expect(shown).toContain(`entry:${red}`);
  });

  it("for entries whose districts lie in another time zone than the schedule's: the kiosk's expiry", async () => {
    const t = server();
    // The city's schedule reads Shanghai time; its districts lie west and east of it.
    await createDistrictIn(t, "city", null, "Asia/Shanghai");
    await createDistrictIn(t, "west", "city", "Asia/Kolkata");
    await createDistrictIn(t, "east", "city", "Asia/Tokyo");
    await putSchedule(t.baseUrl, "city", { playlist: [{ type: "discredited" }], dwellSeconds: 10 });
    const expiryDate = "2027-07-01";
    const westOnly = await publishEntry(["west"], { expiryDate });
    const westAndEast = await publishEntry(["west", "east"], { expiryDate });

    const kiosk = await kioskPlan(t, "west");
    // The street's instants: midnight in Kolkata, and in Tokyo (the earlier of the two zones).
    expect(new Date(kiosk.entryExpiry(westOnly)).toISOString()).toBe("2027-06-30T18:30:00.000Z");
    expect(new Date(kiosk.entryExpiry(westAndEast)).toISOString()).toBe("2027-06-30T15:00:00.000Z");

    // From an hour before Tokyo's midnight to an hour after Kolkata's, across Shanghai's.
    const from = Date.parse("2027-06-30T14:00:00Z");
    const preview = await consolePlan(t, "west", from, 6);
    expect(preview.timeline.scheduleFrom).toBe("city");
    const instants = [
      ...Array.from({ length: 6 * 360 }, (_, i) => from + i * 10_000 + 5_000),
      kiosk.entryExpiry(westAndEast),
      Date.parse("2027-06-30T16:00:00Z"),
      kiosk.entryExpiry(westOnly) - 1,
      kiosk.entryExpiry(westOnly),
    ];
    expect(disagreements(instants, preview.at, kiosk.at)).toEqual([]);
    // Both entries play before the first midnight, one after it, none after the last.
    expect(kiosk.at(from + 5_000)).not.toBe(kiosk.at(from + 15_000));
    expect(kiosk.at(Date.parse("2027-06-30T17:00:05Z"))).toBe(`entry:${westOnly}`);
    expect(kiosk.at(Date.parse("2027-06-30T19:00:05Z"))).toBe("nothing");
  });
});
