import { beforeAll, describe, expect, it } from "vitest";
import type { EntryView } from "../../shared/schemas/entryView";
import { silhouettePortrait } from "../fixtures/images";
import { approveEntry, createEntryWithPhoto, displayHash } from "../support/entryPublishing";
import { createUser } from "../support/principals";
import { rawGet, type RawAnswer } from "../support/rawHttp";
import { api, pairKiosk, postJson, useTestServer } from "../support/testServer";

/** A Content-Security-Policy header read as directive → its sources. */
function policyOf(header: string | string[] | null | undefined): Map<string, string[]> {
  const text = Array.isArray(header) ? header.join(";") : (header ?? "");
  const directives = new Map<string, string[]>();
  for (const part of text.split(";")) {
    const [name, ...sources] = part.trim().split(/\s+/);
    if (name) directives.set(name.toLowerCase(), sources);
  }
  return directives;
}

/** The headers of a fetch answer in the shape node's http gives them (lower-case names). */
function headersOf(res: Response): Record<string, string> {
  const headers: Record<string, string> = {};
  res.headers.forEach((value, name) => (headers[name.toLowerCase()] = value));
  return headers;
}

/**
 * What every answer carries, page or not: no sniffing, no referrer to other sites, framed by
 * nobody. The public notice page names its own origin to itself (its objection form posts back
 * and the Origin check needs it): "same-origin" there.
 */
function expectBaseHeaders(
  headers: Record<string, string | string[] | undefined>,
  referrer: "no-referrer" | "same-origin" = "no-referrer",
): void {
  expect(headers["x-content-type-options"]).toBe("nosniff");
  expect(headers["referrer-policy"]).toBe(referrer);
  expect(policyOf(headers["content-security-policy"]).get("frame-ancestors")).toEqual(["'none'"]);
}

/** A page's policy: its own code only, no plugins, no <base> games. */
function expectPagePolicy(headers: Record<string, string | string[] | undefined>): void {
  const policy = policyOf(headers["content-security-policy"]);
  expect(policy.get("object-src") ?? policy.get("default-src")).toEqual(["'none'"]);
  expect(policy.get("script-src") ?? policy.get("default-src")).not.toContain("'unsafe-inline'");
  expect(policy.get("script-src") ?? policy.get("default-src")).not.toContain("*");
  expect(policy.has("base-uri")).toBe(true);
}

describe("security headers on pages, API answers and kiosk answers (no public address)", () => {
  let entry: EntryView;
  let deviceToken: string;
  const server = useTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } });
  beforeAll(async () => {
    const t = server();
    expect(
      (
        await postJson(`${t.baseUrl}/api/districts`, {
          id: "da",
          parentId: null,
          nameZh: "头区",
          nameEn: "Header district",
        })
      ).status,
    ).toBe(201);
    const moderator = await createUser(t.baseUrl, "sh-moderator", [
      { role: "moderator", scope: "da" },
    ]);
    const created = await createEntryWithPhoto(t, await silhouettePortrait(40), {});
    entry = (await approveEntry(t, moderator, created)).entry;
    const kiosk = await pairKiosk(t.baseUrl, "da");
    kiosk.socket.disconnect();
    deviceToken = kiosk.token;
  }, 180_000);

  it.each([
    ["the console", "/console/"],
    ["the display", "/display/"],
  ])("%s's page: its own policy, framed by nobody, no HSTS over plain http", async (_, path) => {
    const res = await api(`${server().baseUrl}${path}`, { anonymous: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const headers = headersOf(res);
    expectBaseHeaders(headers);
    expectPagePolicy(headers);
    expect(policyOf(headers["content-security-policy"]).get("script-src")).toEqual(["'self'"]);
    expect(headers["strict-transport-security"]).toBeUndefined();
  });

  it("the public notice page: its own policy, framed by nobody", async () => {
    const res = await api(`${server().baseUrl}/n/${entry.publicId}`, { anonymous: true });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const headers = headersOf(res);
    expectBaseHeaders(headers, "same-origin");
    expectPagePolicy(headers);
    expect(headers["strict-transport-security"]).toBeUndefined();
  });

  it("API answers, a success and a refusal: nothing loads, nothing frames them", async () => {
    const t = server();
    for (const res of [
      await api(`${t.baseUrl}/api/auth/me`),
      await api(`${t.baseUrl}/api/entries/${entry.id}`),
      await api(`${t.baseUrl}/api/entries`, { anonymous: true }),
      await api(`${t.baseUrl}/api/no-such-thing`),
    ]) {
      expect(res.headers.get("content-type")).toMatch(/^application\/json/);
      const headers = headersOf(res);
      expectBaseHeaders(headers);
      expect(policyOf(headers["content-security-policy"]).get("default-src")).toEqual(["'none'"]);
      expect(headers["strict-transport-security"]).toBeUndefined();
    }
  });

  it("kiosk answers, a rendition and a refusal: nothing loads, nothing frames them", async () => {
    const t = server();
    const photo = await api(`${t.baseUrl}/kiosk/renditions/${displayHash(entry)}`, {
      anonymous: true,
      headers: { Authorization: `Bearer ${deviceToken}` },
    });
    expect(photo.status).toBe(200);
    expect(photo.headers.get("content-type")).toMatch(/^image\//);
    const refused = await api(`${t.baseUrl}/kiosk/renditions/${displayHash(entry)}`, {
      anonymous: true,
    });
    expect(refused.status).toBe(401);
    for (const res of [photo, refused]) {
      const headers = headersOf(res);
      expectBaseHeaders(headers);
      expect(policyOf(headers["content-security-policy"]).get("default-src")).toEqual(["'none'"]);
      expect(headers["strict-transport-security"]).toBeUndefined();
    }
  });
});

/** Pages, API and kiosk answers as a browser or a screen reaches them through the proxy. */
async function answersThroughProxy(baseUrl: string, host: string): Promise<RawAnswer[]> {
  const headers = { Host: host, "X-Forwarded-For": "203.0.113.9", "X-Forwarded-Proto": "https" };
  return [
    await rawGet(baseUrl, "/console/", headers),
    await rawGet(baseUrl, "/api/setup", headers),
    await rawGet(baseUrl, "/kiosk/renditions/" + "0".repeat(64), headers),
  ];
}

describe("HSTS only when the public address is https", () => {
  const https = useTestServer({
    env: { SIGNAGE_PUBLIC_URL: "https://signage.city.test", SIGNAGE_TRUST_PROXY: "loopback" },
    signIn: false,
  });
  const plain = useTestServer({
    env: { SIGNAGE_PUBLIC_URL: "http://signage.city.test", SIGNAGE_TRUST_PROXY: "loopback" },
    signIn: false,
  });

  it("an https public address: every answer tells the browser to keep to https", async () => {
    const answers = await answersThroughProxy(https().baseUrl, "signage.city.test");
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401]);
    for (const a of answers) {
      expect(a.headers["strict-transport-security"]).toMatch(/^max-age=(\d+)/);
      const maxAge = Number(
        /^max-age=(\d+)/.exec(a.headers["strict-transport-security"] ?? "")?.[1],
      );
      // At least half a year, as browsers' preload lists ask.
      expect(maxAge).toBeGreaterThanOrEqual(15_552_000);
      expectBaseHeaders(a.headers);
    }
  });

  it("an http public address: no HSTS (it would lock browsers out of a plain-http server)", async () => {
    const answers = await answersThroughProxy(plain().baseUrl, "signage.city.test");
    expect(answers.map((a) => a.status)).toEqual([200, 200, 401]);
    for (const a of answers) {
      expect(a.headers["strict-transport-security"]).toBeUndefined();
      expectBaseHeaders(a.headers);
    }
  });
});
