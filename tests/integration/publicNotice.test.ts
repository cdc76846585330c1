import { approveDistrictSettings } from "../support/districtSettings";
import { randomBytes, randomUUID } from "node:crypto";
import { beforeAll, describe, expect, it } from "vitest";
import type { EntryView } from "../../shared/schemas/entryView";
import { silhouettePortrait } from "../fixtures/images";
import { approveEntry, createEntryWithPhoto } from "../support/entryPublishing";
import { createUser, type TestUser } from "../support/principals";
import {
  api,
  pairKiosk,
  postJson,
  syncKiosk,
  useTestServer,
  type TestServer,
} from "../support/testServer";

const FULL_NAME = "欧阳娜娜";
const ID_NUMBER = "110101199001017777";
const CITY_CONTEST = "如认为信息有误，请向市中级人民法院执行局申请纠正";
const CITY_CONTACT = "12368（工作日 9:00–17:00）";

/** The public page of an entry, as anyone on the street opens it (no session). */
function notice(t: TestServer, publicId: string, init: RequestInit = {}): Promise<Response> {
  return api(`${t.baseUrl}/n/${publicId}`, { ...init, anonymous: true });
}

async function putDistrict(t: TestServer, body: Record<string, unknown>): Promise<number> {
  const res = await api(`${t.baseUrl}/api/districts/${String(body["id"])}`, {
    method: "PUT",
    headers: { "Content-Type": "application/json" },
    body: JSON.stringify(body),
  });
  return res.status;
}

const CITY = {
  id: "pn-city",
  parentId: null,
  nameZh: "公示市",
  nameEn: "Notice City",
  contestText: CITY_CONTEST,
  contestContact: CITY_CONTACT,
};
const DISTRICT = { id: "pn-d", parentId: "pn-city", nameZh: "公示区", nameEn: "Notice district" };

describe("the public notice page: /n/<opaque id>, what the slide shows and how to contest", () => {
  const server = useTestServer();
  let moderator: TestUser;
  let entry: EntryView;

  beforeAll(async () => {
    const t = server();
    expect((await postJson(`${t.baseUrl}/api/districts`, CITY)).status).toBe(201);
    expect((await postJson(`${t.baseUrl}/api/districts`, DISTRICT)).status).toBe(201);
    moderator = await createUser(t.baseUrl, "pn-moderator", [
      { role: "moderator", scope: "pn-city" },
    ]);
    // The city's contest line applies once a second person approves it.
    await approveDistrictSettings(t.baseUrl, moderator, CITY.id);
    const created = await createEntryWithPhoto(t, await silhouettePortrait(40), {
      fullName: FULL_NAME,
      idNumber: ID_NUMBER,
      districtIds: ["pn-d"],
      listingGround: "有履行能力而拒不履行生效法律文书确定义务",
      legalBasisNumber: "（2025）京0101民初77号民事判决书",
      legalBasisIssuer: "北京市东城区人民法院",
      performance: "全部未履行",
    });
    entry = (await approveEntry(t, moderator, created)).entry;
  }, 180_000);

  it("shows the masked fields, the due-process facts and the inherited contest line, never the full name or ID number", async () => {
    const t = server();
    const res = await notice(t, entry.publicId, { headers: { "Accept-Language": "zh-CN" } });
    expect(res.status).toBe(200);
    const html = await res.text();
    for (const shown of [
      "欧阳某",
      entry.caseNumber,
      entry.court,
      "有履行能力而拒不履行生效法律文书确定义务",
      "（2025）京0101民初77号民事判决书",
      "全部未履行",
      "来源：",
      CITY_CONTEST,
      CITY_CONTACT,
    ])
      expect(html).toContain(shown);
    // Nothing the street does not see: not the name, not any run of the ID number, not the
    // database id.
    expect(html).not.toContain(FULL_NAME);
    expect(html).not.toContain("娜娜");
    for (let i = 0; i + 6 <= ID_NUMBER.length; i += 1)
      expect(html).not.toContain(ID_NUMBER.slice(i, i + 6));
    expect(html).not.toContain(entry.id);
    expect(html).toContain('<meta name="robots" content="noindex, nofollow">');
    expect(res.headers.get("x-robots-tag")).toBe("noindex, nofollow");
    const policy = res.headers.get("content-security-policy") ?? "";
    expect(policy).toContain("default-src 'none'");
    expect(policy).not.toContain("unsafe-inline");
    expect(policy).not.toMatch(/script-src/);
    expect(html).not.toContain("<script");
    // Every address on the page is this server's own (no third-party asset).
    expect(html.match(/(src|href)="https?:[^"]*"/g) ?? []).toEqual([]);

    // The photo is the redacted rendition, through an address that works while it is published.
    const photoUrl = /<img src="([^"]+)"/.exec(html)?.[1] ?? "";
    expect(photoUrl).toBe(`/n/${entry.publicId}/photo`);
    const photo = await api(`${t.baseUrl}${photoUrl}`, { anonymous: true });
    expect(photo.status).toBe(200);
    expect(photo.headers.get("content-type")).toMatch(/^image\//);
  });

  it("speaks English when the browser asks for it or the switch says so, and refuses an unknown language", async () => {
    const t = server();
    const en = await (
      await notice(t, entry.publicId, { headers: { "Accept-Language": "en-GB,en;q=0.9" } })
    ).text();
    expect(en).toContain('<html lang="en">');
    expect(en).toContain("How to contest this listing");
    const zh = await (
      await notice(t, `${entry.publicId}?lang=zh`, { headers: { "Accept-Language": "en" } })
    ).text();
    expect(zh).toContain('<html lang="zh-CN">');
    const bad = await notice(t, `${entry.publicId}?lang=fr`);
    expect(bad.status).toBe(400);
    expect(await bad.text()).toContain("lang=zh");
  });

  it("is reached only by its opaque id: the database id, sequential and guessed ids are 404", async () => {
    const t = server();
    expect(entry.publicId).toMatch(/^[A-Za-z0-9_-]{22}$/);
    const near = `${entry.publicId.slice(0, -1)}${entry.publicId.endsWith("A") ? "B" : "A"}`;
    for (const guess of [
      entry.id,
      "1",
      "2",
      "0000000000000000000001",
      near,
      randomBytes(16).toString("base64url"),
      randomUUID(),
    ]) {
      const res = await notice(t, encodeURIComponent(guess));
      expect(res.status, guess).toBe(404);
      expect(await res.text()).not.toContain("欧阳某");
    }
  });

  it("after a revocation says the listing ended and nothing else, looks like an unknown address, and its photo is gone", async () => {
    const t = server();
    const second = (
      await approveEntry(
        t,
        moderator,
        await createEntryWithPhoto(t, await silhouettePortrait(80), {
          fullName: "司马光明",
          districtIds: ["pn-d"],
        }),
      )
    ).entry;
    expect((await notice(t, second.publicId)).status).toBe(200);
    const revoked = await postJson(`${t.baseUrl}/api/entries/${second.id}/revoke`, {
      reason: "obligation_fulfilled",
    });
    expect(revoked.status).toBe(200);

    const ended = await notice(t, second.publicId, { headers: { "Accept-Language": "zh" } });
    expect(ended.status).toBe(410);
    const html = await ended.text();
    expect(html).toContain("该公示已结束");
    for (const gone of [second.maskedName, second.caseNumber, CITY_CONTEST, "<img"])
      expect(html).not.toContain(gone);
    expect((await api(`${t.baseUrl}/n/${second.publicId}/photo`, { anonymous: true })).status).toBe(
      404,
    );

    // An address that never was: the same page, headers and length but for the sentence.
    const unknownId = randomBytes(16).toString("base64url");
    const unknown = await notice(t, unknownId, { headers: { "Accept-Language": "zh" } });
    expect(unknown.status).toBe(404);
    const normalise = (page: string, id: string) =>
      page
        .replaceAll(id, "ID")
        .replace(/<title>.*<\/title>/, "")
        .replace(/<main>.*<\/main>/s, "");
    expect(normalise(await unknown.text(), unknownId)).toBe(normalise(html, second.publicId));
    for (const header of ["content-security-policy", "x-robots-tag", "cache-control", "vary"])
      expect(unknown.headers.get(header)).toBe(ended.headers.get(header));
  }, 120_000);

  it("gives a district without a contest line its parent's, on its screens and its pages, until it sets its own", async () => {
    const t = server();
    const { socket } = await pairKiosk(t.baseUrl, "pn-d");
    try {
      const inherited = await syncKiosk(socket);
      expect(inherited.district).toMatchObject({
        id: "pn-d",
        contestText: CITY_CONTEST,
        contestContact: CITY_CONTACT,
        contestUrl: null,
      });

      const own = {
        ...DISTRICT,
        contestText: "请到公示区法院立案窗口申请纠正",
        contestContact: "010-5555",
        contestUrl: "https://pn-d.example.cn/",
      };
      expect(await putDistrict(t, own)).toBe(200);
      // Its own line waits for a second person: the city's applies meanwhile.
      expect((await syncKiosk(socket)).district.contestText).toBe(CITY_CONTEST);
      await approveDistrictSettings(t.baseUrl, moderator, DISTRICT.id);
      expect((await syncKiosk(socket)).district).toMatchObject({
        contestText: own.contestText,
        contestContact: own.contestContact,
        contestUrl: own.contestUrl,
      });
      const page = await (await notice(t, entry.publicId)).text();
      expect(page).toContain(own.contestText);
      expect(page).toContain(own.contestContact);
      expect(page).not.toContain(CITY_CONTEST);

      // Cleared again: the city's line is back.
      expect(await putDistrict(t, DISTRICT)).toBe(200);
      expect((await syncKiosk(socket)).district.contestText).toBe(CITY_CONTEST);
      expect(await (await notice(t, entry.publicId)).text()).toContain(CITY_CONTACT);
    } finally {
      socket.disconnect();
    }
  });
});
