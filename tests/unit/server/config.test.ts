import { describe, expect, it } from "vitest";
import { loadConfig, parseDatabaseUrl } from "../../../server/config";
import { StartupError } from "../../../server/errors";

describe("loadConfig", () => {
  it("has defaults that just work", () => {
    const c = loadConfig({}, "/srv/signage");
    expect(c).toEqual({
      port: 8080,
      host: "0.0.0.0",
      dataDir: "/srv/signage/data",
      database: { kind: "sqlite", file: "/srv/signage/data/signage.db" },
      logLevel: "info",
      redactionWorkers: 0,
      detectorEngine: "auto",
      syncConcurrency: 500,
      trustProxy: [],
      metrics: { allow: [] },
      retention: { playsDays: 400, endedSessionsDays: 30 },
      alerts: { offlineMinutes: 5, takedownSeconds: 60, checkSeconds: 15 },
    });
  });

  it("takes an alert webhook only with its secret, and only at an http(s) address", () => {
    const url = "https://oncall.city.gov/hooks/signage";
    const secret = "sixteen or more characters";
    expect(
      loadConfig({ SIGNAGE_ALERT_WEBHOOK_URL: url, SIGNAGE_ALERT_WEBHOOK_SECRET: secret }).alerts,
    ).toMatchObject({ webhook: { url, secret } });
    expect(() => loadConfig({ SIGNAGE_ALERT_WEBHOOK_URL: url })).toThrow(/together/);
    expect(() =>
      loadConfig({
        SIGNAGE_ALERT_WEBHOOK_URL: "ftp://x.gov/h",
        SIGNAGE_ALERT_WEBHOOK_SECRET: secret,
      }),
    ).toThrow(/SIGNAGE_ALERT_WEBHOOK_URL must be an http/);
    expect(() =>
      loadConfig({ SIGNAGE_ALERT_WEBHOOK_URL: url, SIGNAGE_ALERT_WEBHOOK_SECRET: "short" }),
    ).toThrow(/at least 16/);
    expect(() => loadConfig({ SIGNAGE_ALERT_OFFLINE_MINUTES: "0" })).toThrow(
      /SIGNAGE_ALERT_OFFLINE_MINUTES must be a whole number from 1/,
    );
  });

  it.each([
    [{ PORT: "70000" }, /Invalid PORT/],
    [{ PORT: "-1" }, /Invalid PORT/],
    [{ LOG_LEVEL: "loud" }, /Invalid LOG_LEVEL/],
    [{ DATABASE_URL: "mysql://x/y" }, /unsupported scheme "mysql"/],
    [{ DATABASE_URL: "sqlite:" }, /names no SQLite file/],
    [{ SIGNAGE_REDIS_URL: "localhost:6379" }, /SIGNAGE_REDIS_URL must look like redis:/],
    [
      { SIGNAGE_DETECTOR_ENGINE: "gpu" },
      /SIGNAGE_DETECTOR_ENGINE must be auto, onnxruntime or wasm/,
    ],
    [{ SIGNAGE_REDIS_URL: "redis://h", SIGNAGE_REDIS_STREAM: "a b" }, /SIGNAGE_REDIS_STREAM/],
    [{ SIGNAGE_PUBLIC_URL: "signage.city.gov" }, /Invalid SIGNAGE_PUBLIC_URL: .* no path/],
    [{ SIGNAGE_PUBLIC_URL: "ftp://signage.city.gov" }, /Invalid SIGNAGE_PUBLIC_URL/],
    [{ SIGNAGE_PUBLIC_URL: "https://signage.city.gov/console" }, /Invalid SIGNAGE_PUBLIC_URL/],
    [{ SIGNAGE_TRUST_PROXY: "10.0.0.0/33" }, /Invalid SIGNAGE_TRUST_PROXY: "10.0.0.0\/33"/],
    [{ SIGNAGE_TRUST_PROXY: "loopback, proxy.local" }, /"proxy.local" is not loopback/],
    [{ SIGNAGE_METRICS_TOKEN: "short" }, /SIGNAGE_METRICS_TOKEN must be at least 16/],
    [{ SIGNAGE_METRICS_ALLOW: "10.0.0.0/8, prometheus" }, /"prometheus" is not an IP/],
  ])("refuses %o with one sentence", (env, message) => {
    expect(() => loadConfig(env, "/tmp")).toThrow(StartupError);
    expect(() => loadConfig(env, "/tmp")).toThrow(message);
  });
});

describe("proxy settings", () => {
  it("reads the public address and the trusted proxies", () => {
    const c = loadConfig(
      {
        SIGNAGE_PUBLIC_URL: "https://Signage.City.gov/",
        SIGNAGE_TRUST_PROXY: "loopback, 10.0.0.0/8,::1",
      },
      "/srv",
    );
    expect(c.publicUrl).toEqual({
      origin: "https://signage.city.gov",
      host: "signage.city.gov",
      https: true,
    });
    expect(c.trustProxy).toEqual(["loopback", "10.0.0.0/8", "::1"]);
    expect(loadConfig({ SIGNAGE_PUBLIC_URL: "http://kiosk.lan:8080" }, "/srv").publicUrl).toEqual({
      origin: "http://kiosk.lan:8080",
      host: "kiosk.lan:8080",
      https: false,
    });
  });
});

describe("scale-out settings", () => {
  it("fans out through Redis only when SIGNAGE_REDIS_URL is set, on stream signage by default", () => {
    expect(loadConfig({}, "/srv").redis).toBeUndefined();
    expect(loadConfig({ SIGNAGE_REDIS_URL: "redis://cache:6379" }, "/srv").redis).toEqual({
      url: "redis://cache:6379",
      stream: "signage",
    });
    expect(
      loadConfig({ SIGNAGE_REDIS_URL: "rediss://c:6380", SIGNAGE_REDIS_STREAM: "city:a" }, "/srv")
        .redis,
    ).toEqual({ url: "rediss://c:6380", stream: "city:a" });
  });
});

describe("parseDatabaseUrl", () => {
  it.each([
    ["sqlite:///var/lib/signage/s.db", { kind: "sqlite", file: "/var/lib/signage/s.db" }],
    ["sqlite:s.db", { kind: "sqlite", file: "/d/s.db" }],
    ["sqlite://s.db", { kind: "sqlite", file: "/d/s.db" }],
    ["file:///x/y.db", { kind: "sqlite", file: "/x/y.db" }],
    ["postgres://u@h/db", { kind: "postgres", url: "postgres://u@h/db" }],
    ["postgresql://u@h/db", { kind: "postgres", url: "postgresql://u@h/db" }],
  ])("reads %s", (url, expected) => {
    expect(parseDatabaseUrl(url, "/d")).toEqual(expected);
  });
});
