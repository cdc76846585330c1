import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { publishAnnouncement } from "../support/announcements";
import type { Timeline } from "../../shared/schemas/timeline";
import { buildAnnouncementInput } from "../support/factories";
import {
  api,
  createDistrict,
  postJson,
  removeDataDir,
  startTestServer,
  type TestServer,
} from "../support/testServer";

async function put(url: string, body: unknown): Promise<{ status: number; body: unknown }> {
  const res = await api(url, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return { status: res.status, body: await res.json() };
}

const district = (id: string, parentId: string | null, extra: Record<string, unknown> = {}) => ({
  id,
  parentId,
  nameZh: "测试区",
  nameEn: "Test district",
  ...extra,
});

const dayWindow = {
  id: "day",
  days: [1, 2, 3, 4, 5, 6, 7],
  start: "07:00",
  end: "23:00",
  playlist: [{ type: "discredited" }, { type: "redlist" }, { type: "announcement", id: "x" }],
  dwellSeconds: 10,
};

describe("districts and schedules", () => {
  let t: TestServer;
  beforeAll(async () => {
    t = await startTestServer();
    await createDistrict(t.baseUrl, "dalian");
    await createDistrict(t.baseUrl, "zhongshan", "dalian");
    await createDistrict(t.baseUrl, "laohutan", "zhongshan");
  });
  afterAll(async () => {
    await t.stop();
    removeDataDir(t.dataDir);
  });

  it("lists the tree with defaults filled in", async () => {
    const res = await api(`${t.baseUrl}/api/districts`);
    const body = (await res.json()) as {
      districts: { id: string; parentId: string | null; timeZone: string }[];
    };
    expect(body.districts.map((d) => [d.id, d.parentId])).toEqual([
      ["dalian", null],
      ["laohutan", "zhongshan"],
      ["zhongshan", "dalian"],
    ]);
    expect(body.districts.every((d) => d.timeZone === "Asia/Shanghai")).toBe(true);
  });

  it("refuses a cycle in the tree", async () => {
    const res = await put(`${t.baseUrl}/api/districts/dalian`, district("dalian", "laohutan"));
    expect(res.status).toBe(409);
    expect(res.body).toMatchObject({ error: { code: "conflict" } });
    expect(JSON.stringify(res.body)).toContain("cycle");
    const self = await put(
      `${t.baseUrl}/api/districts/zhongshan`,
      district("zhongshan", "zhongshan"),
    );
    expect(self.status).toBe(409);
  });

  it.each([
    [
      "an unknown time zone",
      district("x1", null, { timeZone: "Mars/Base" }),
      400,
      /Unknown time zone/,
    ],
    ["a missing parent", district("x2", "nowhere"), 400, /does not exist/],
    ["a duplicate id", district("dalian", null), 409, /already exists/],
    ["a bad id", district("Bad Id!", null), 400, /district id/],
    [
      "a javascript: contest URL",
      district("x3", null, { contestUrl: "javascript:alert(1)" }),
      400,
      /URL/,
    ],
  ])("refuses %s", async (_name, body, status, message) => {
    const res = await postJson(`${t.baseUrl}/api/districts`, body);
    expect(res.status).toBe(status);
    expect((res.body as { error: { message: string } }).error.message).toMatch(message);
  });

  it("inherits the parent's schedule until the district sets its own", async () => {
    const set = await put(`${t.baseUrl}/api/districts/dalian/schedule`, { windows: [dayWindow] });
    expect(set.status).toBe(200);
    const inherited: unknown = await (
      await api(`${t.baseUrl}/api/districts/laohutan/schedule`)
    ).json();
    expect(inherited).toMatchObject({
      fromDistrictId: "dalian",
      schedule: { timeZone: "Asia/Shanghai" },
    });

    const own = await put(`${t.baseUrl}/api/districts/laohutan/schedule`, {
      timeZone: "Asia/Shanghai",
      windows: [{ ...dayWindow, id: "evening", start: "18:00", end: "02:00" }],
    });
    expect(own.body).toMatchObject({ fromDistrictId: "laohutan" });
    const cleared = await api(`${t.baseUrl}/api/districts/laohutan/schedule`, {
      method: "DELETE",
    });
    expect(await cleared.json()).toMatchObject({ fromDistrictId: "dalian" });
  });

  it.each([
    ["an end equal to the start", { ...dayWindow, end: "07:00" }, /End equals start/],
    ["a dwell of 0", { ...dayWindow, dwellSeconds: 0 }, /dwell|second/i],
    ["a negative dwell", { ...dayWindow, dwellSeconds: -5 }, /dwell|second/i],
    ["no days", { ...dayWindow, days: [] }, /day/i],
  ])("refuses a schedule with %s and keeps the old one", async (_name, window, message) => {
    const before: unknown = await (await api(`${t.baseUrl}/api/districts/dalian/schedule`)).json();
    const res = await put(`${t.baseUrl}/api/districts/dalian/schedule`, { windows: [window] });
    expect(res.status).toBe(400);
    expect(JSON.stringify(res.body)).toMatch(message);
    expect(await (await api(`${t.baseUrl}/api/districts/dalian/schedule`)).json()).toEqual(before);
  });

  it.each([
    ["an ID number in its title", { title: "失信人 110101199003074573", body: "" }],
    ["a name beside a phone number", { title: "便民服务", body: "联系人：宋明远 13800138000" }],
  ])(
    "refuses an idle slide with %s: it goes to the street unreviewed, so no personal data",
    async (_name, idleSlide) => {
      const before: unknown = await (
        await api(`${t.baseUrl}/api/districts/dalian/schedule`)
      ).json();
      const res = await put(`${t.baseUrl}/api/districts/dalian/schedule`, {
        windows: [dayWindow],
        idleSlide,
      });
      expect(res.status).toBe(400);
      const error = (res.body as { error: { code: string; reason: string; message: string } })
        .error;
      expect(error).toMatchObject({ code: "personal_data", reason: "schedule.personalData" });
      expect(error.message).toMatch(/idle slide/);
      expect(error.message).not.toContain("110101199003074573");
      expect(error.message).not.toContain("13800138000");
      expect(await (await api(`${t.baseUrl}/api/districts/dalian/schedule`)).json()).toEqual(
        before,
      );
      // An idle slide of ordinary words is taken.
      const fine = await put(`${t.baseUrl}/api/districts/dalian/schedule`, {
        windows: [dayWindow],
        idleSlide: { title: "大连市中山区", body: "市民服务热线 12345" },
      });
      expect(fine.status).toBe(200);
    },
  );

  it("answers what the district's screens show over the next hours, from the shared evaluator", async () => {
    const annId = (await publishAnnouncement(t, buildAnnouncementInput({ title: "时间线" }))).id;
    await put(`${t.baseUrl}/api/districts/dalian/schedule`, {
      windows: [{ ...dayWindow, playlist: [{ type: "announcement", id: annId }] }],
    });
    // 2026-11-27 10:00 in Shanghai is 02:00Z: inside the 07:00–23:00 window.
    const res = await api(
      `${t.baseUrl}/api/districts/zhongshan/timeline?from=2026-11-27T02:00:00Z&hours=24`,
    );
    expect(res.status).toBe(200);
    const body = (await res.json()) as Timeline;
    expect(body.scheduleFrom).toBe("dalian");
    expect(body.now).toMatchObject({ kind: "slide", itemId: annId });
    // 23:00 Shanghai = 15:00Z: the screens blank until 07:00 (23:00Z).
    const blank = body.segments.find((s) => s.result.kind === "blank");
    expect(blank?.start).toBe("2026-11-27T15:00:00.000Z");
    expect(blank?.end).toBe("2026-11-27T23:00:00.000Z");
  });

  it("refuses bad timeline queries", async () => {
    expect((await api(`${t.baseUrl}/api/districts/dalian/timeline?hours=100`)).status).toBe(400);
    expect((await api(`${t.baseUrl}/api/districts/dalian/timeline?from=yesterday`)).status).toBe(
      400,
    );
    expect((await api(`${t.baseUrl}/api/districts/nowhere/timeline`)).status).toBe(404);
  });
});
