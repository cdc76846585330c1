import { describe, expect, it } from "vitest";
import { ackSchema } from "../../../shared/protocol/ackSchema";
import { rooms } from "../../../shared/protocol/rooms";
import { AnnouncementInputSchema } from "../../../shared/schemas/announcement";
import { KioskConfigSchema } from "../../../shared/schemas/kioskConfig";
import { identifyCodeOf } from "../../../shared/schemas/screen";
import {
  ContentChangedSchema,
  KioskHelloSchema,
  SyncDeltaSchema,
} from "../../../shared/schemas/sync";

describe("AnnouncementInputSchema", () => {
  it("trims text and fills defaults", () => {
    expect(AnnouncementInputSchema.parse({ title: "  停电通知 " })).toEqual({
      title: "停电通知",
      body: "",
      language: "zh-CN",
      tags: [],
      // The whole city, from its approval until withdrawn, text only; kept as a draft.
      target: { districtIds: [], screenTags: [] },
      posterLayout: "beside",
      submit: false,
    });
  });

  it("lower-cases, sorts and de-duplicates screen tags, and refuses a malformed one", () => {
    const parsed = AnnouncementInputSchema.parse({
      title: "t",
      target: { screenTags: ["Metro", "bus-stop", "metro"] },
    });
    expect(parsed.target.screenTags).toEqual(["bus-stop", "metro"]);
    expect(
      AnnouncementInputSchema.safeParse({ title: "t", target: { screenTags: ["bus stop"] } })
        .success,
    ).toBe(false);
  });

  it("refuses an end before the start", () => {
    const r = AnnouncementInputSchema.safeParse({
      title: "t",
      startsAt: "2027-01-02T00:00:00Z",
      endsAt: "2027-01-01T00:00:00Z",
    });
    expect(r.success).toBe(false);
    expect(JSON.stringify(r.error?.issues)).toContain("end after it starts");
  });

  it.each([
    ["no title", {}],
    ["a blank title", { title: "   " }],
    ["a title of 121 characters", { title: "x".repeat(121) }],
    ["an unknown field", { title: "t", publishNow: true }],
    ["an unsupported language", { title: "t", language: "de" }],
  ])("refuses %s", (_name, input) => {
    expect(AnnouncementInputSchema.safeParse(input).success).toBe(false);
  });
});

describe("sync schemas", () => {
  it("accepts a hello and refuses a negative or fractional version", () => {
    expect(KioskHelloSchema.safeParse({ appliedVersion: 3 }).success).toBe(true);
    expect(KioskHelloSchema.safeParse({ appliedVersion: -1 }).success).toBe(false);
    expect(KioskHelloSchema.safeParse({ appliedVersion: 1.5 }).success).toBe(false);
  });

  it("keeps content out of change notifications (unknown fields are dropped, not kept)", () => {
    const parsed = ContentChangedSchema.parse({ version: 2, ids: [], title: "leaked" });
    expect(parsed).toEqual({ version: 2, ids: [] });
    expect(ContentChangedSchema.safeParse({ version: 2, ids: ["not-a-uuid"] }).success).toBe(false);
  });

  it("validates acks as a tagged union", () => {
    const Ack = ackSchema(SyncDeltaSchema);
    const ok = {
      ok: true,
      data: {
        version: 1,
        full: true,
        announcements: [],
        entries: [],
        removedIds: [],
        district: {
          id: "d",
          timeZone: "Asia/Shanghai",
          language: "zh-CN",
          contestText: "",
          contestUrl: null,
          contestContact: "",
        },
        schedule: null,
        emergencies: [],
      },
    };
    expect(Ack.parse(ok)).toEqual(ok);
    expect(Ack.safeParse({ ok: false, error: { code: "internal", message: "x" } }).success).toBe(
      true,
    );
    expect(Ack.safeParse({ ok: false, error: { code: "made_up", message: "x" } }).success).toBe(
      false,
    );
    expect(Ack.safeParse({ ok: true }).success).toBe(false);
  });
});

describe("KioskConfigSchema", () => {
  it("accepts http(s) server URLs only", () => {
    expect(KioskConfigSchema.safeParse({ serverUrl: "https://signage.example.org" }).success).toBe(
      true,
    );
    expect(KioskConfigSchema.safeParse({ serverUrl: "file:///etc/passwd" }).success).toBe(false);
    expect(KioskConfigSchema.safeParse({ serverUrl: "not a url" }).success).toBe(false);
  });
});

describe("rooms", () => {
  it("builds distinct names per kind", () => {
    expect(rooms.district("a")).toBe("district:a");
    expect(rooms.screen("a")).toBe("screen:a");
    expect(new Set([rooms.district("x"), rooms.screen("x"), rooms.allScreens()]).size).toBe(3);
  });
});

describe("identifyCodeOf: the code an identified screen shows", () => {
  it("is the first eight hex digits of the screen's id, as XXXX-XXXX", () => {
    expect(identifyCodeOf("3f2a91c0-5b7d-4e21-9a0c-1d2e3f4a5b6c")).toBe("3F2A-91C0");
  });
});
