import { describe, expect, it } from "vitest";
import { EntryViewSchema } from "../../shared/schemas/entryView";
import { buildCourtExportRows, toCsv } from "../fixtures/courtExport";
import { buildEntryInput } from "../support/entryFactory";
import { approveAsSeen } from "../support/entryPublishing";
import { createUser } from "../support/principals";
import {
  api,
  createDistrict,
  pairKiosk,
  syncKiosk,
  useTestServer,
  type KioskSocket,
} from "../support/testServer";

const TOKEN = "metrics-token-for-tests-0123456789";

/** One sample of the Prometheus text format. */
interface Sample {
  name: string;
  labels: Record<string, string>;
  value: number;
}

/** Parses Prometheus text exposition: the TYPE of each family and every sample. */
function parsePrometheus(text: string): { types: Map<string, string>; samples: Sample[] } {
  const types = new Map<string, string>();
  const samples: Sample[] = [];
  for (const line of text.split("\n")) {
    if (line.trim() === "") continue;
    const type = /^# TYPE (\w+) (counter|gauge|histogram|summary|untyped)$/.exec(line);
    if (type?.[1] && type[2]) {
      types.set(type[1], type[2]);
      continue;
    }
    if (line.startsWith("#")) continue;
    const m = /^(\w+)(?:\{(.*)\})? (\S+)(?: \d+)?$/.exec(line);
    if (!m?.[1] || m[3] === undefined) throw new Error(`not a Prometheus sample: ${line}`);
    const labels: Record<string, string> = {};
    for (const l of (m[2] ?? "").matchAll(/(\w+)="((?:[^"\\]|\\.)*)"/g))
      if (l[1] !== undefined && l[2] !== undefined) labels[l[1]] = l[2];
    samples.push({ name: m[1], labels, value: Number(m[3]) });
  }
  return { types, samples };
}

/** The value of a sample (0 when absent: a labelled counter appears at its first count). */
function valueOf(
  samples: readonly Sample[],
  name: string,
  labels: Record<string, string> = {},
): number {
  const found = samples.find(
    (s) => s.name === name && Object.entries(labels).every(([k, v]) => s.labels[k] === v),
  );
  return found?.value ?? 0;
}

describe("/metrics for the city's monitoring", () => {
  const server = useTestServer({ env: { SIGNAGE_METRICS_TOKEN: TOKEN } }, async (t) => {
    await createDistrict(t.baseUrl, "city");
    await createDistrict(t.baseUrl, "da", "city");
    await createDistrict(t.baseUrl, "db", "city");
  });

  const scrape = async (): Promise<{ types: Map<string, string>; samples: Sample[] }> => {
    const res = await fetch(`${server().baseUrl}/metrics`, {
      headers: { Authorization: `Bearer ${TOKEN}` },
    });
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/plain; version=0\.0\.4/);
    return parsePrometheus(await res.text());
  };

  /** Scrapes until `check` holds (acknowledgements are written in batches). */
  const scrapeUntil = async (
    check: (samples: readonly Sample[]) => boolean,
  ): Promise<readonly Sample[]> => {
    for (let i = 0; i < 200; i++) {
      const { samples } = await scrape();
      if (check(samples)) return samples;
      await new Promise((r) => setTimeout(r, 100));
    }
    throw new Error("the metrics never showed what was expected");
  };

  it("refuses a scrape without the token, or with a wrong one, with a code and a sentence", async () => {
    const url = `${server().baseUrl}/metrics`;
    const none = await fetch(url);
    expect(none.status).toBe(401);
    const noneBody = (await none.json()) as { error: { code: string; message: string } };
    expect(noneBody.error.code).toBe("unauthenticated");
    expect(noneBody.error.message).toMatch(/Bearer/);
    for (const wrong of [`${TOKEN}x`, "short", TOKEN.toUpperCase()]) {
      const res = await fetch(url, { headers: { Authorization: `Bearer ${wrong}` } });
      expect(res.status).toBe(403);
      const body = (await res.json()) as { error: { code: string; message: string } };
      expect(body.error.code).toBe("forbidden");
      expect(body.error.message).toMatch(/not valid/);
    }
    // A console session is no way in either.
    expect((await api(url)).status).toBe(401);
  });

  it("serves Prometheus text: screens, syncs, takedown acks, redaction, imports, process", async () => {
    const { types, samples } = await scrape();
    expect(types.get("signage_connected_screens")).toBe("gauge");
    expect(types.get("signage_kiosk_syncs_total")).toBe("counter");
    expect(types.get("signage_takedown_ack_seconds")).toBe("histogram");
    expect(types.get("signage_redaction_queue_depth")).toBe("gauge");
    expect(types.get("signage_redaction_duration_seconds")).toBe("histogram");
    expect(types.get("signage_imports_total")).toBe("counter");
    expect(types.get("nodejs_eventloop_lag_seconds")).toBe("gauge");
    expect(types.get("process_resident_memory_bytes")).toBe("gauge");
    expect(valueOf(samples, "nodejs_heap_size_used_bytes")).toBeGreaterThan(0);
    expect(valueOf(samples, "signage_redaction_queue_depth", { state: "queued" })).toBe(0);
    expect(valueOf(samples, "signage_takedown_ack_seconds_bucket", { le: "+Inf" })).toBe(0);
  });

  it("counts connected screens and syncs, and times a takedown to the screens that had to drop it", async () => {
    const t = server();
    const moderator = await createUser(t.baseUrl, "moderator", [{ role: "moderator", scope: "*" }]);
    const inA = await pairKiosk(t.baseUrl, "da");
    const inB = await pairKiosk(t.baseUrl, "db");
    const sockets: KioskSocket[] = [inA.socket, inB.socket];
    try {
      const before = (await scrape()).samples;
      expect(valueOf(before, "signage_connected_screens")).toBe(2);

      const first = await syncKiosk(inA.socket);
      expect(first.full).toBe(true);
      const synced = await scrapeUntil(
        (s) =>
          valueOf(s, "signage_kiosk_syncs_total", { result: "full" }) ===
          valueOf(before, "signage_kiosk_syncs_total", { result: "full" }) + 1,
      );
      expect(valueOf(synced, "signage_takedown_ack_seconds_count")).toBe(0);

      // An entry in district A is published, both screens apply it, then it is revoked.
      const form = new FormData();
      form.set("entry", JSON.stringify(buildEntryInput({ districtIds: ["da"] })));
      const created = await api(`${t.baseUrl}/api/entries`, { method: "POST", body: form });
      expect(created.status).toBe(201);
      const entry = EntryViewSchema.parse(((await created.json()) as { entry: unknown }).entry);
      expect((await approveAsSeen(t.baseUrl, moderator, entry.id)).status).toBe(200);
      for (const s of sockets) {
        const delta = await syncKiosk(s);
        s.emit("kiosk:applied", { version: delta.version });
      }
      const pushed = new Promise<number>((resolve) => {
        inA.socket.on("content:changed", (c) => {
          if (c.removedIds?.includes(entry.id)) resolve(c.version);
        });
      });
      const revoked = await api(`${t.baseUrl}/api/entries/${entry.id}/revoke`, {
        method: "POST",
        headers: { "Content-Type": "application/json" },
        body: JSON.stringify({ reason: "court_order" }),
      });
      expect(revoked.status).toBe(200);
      const version = await pushed;
      // Both screens acknowledge the version; only A's screen had the entry to drop.
      for (const s of sockets) s.emit("kiosk:applied", { version });
      const acked = await scrapeUntil((s) => valueOf(s, "signage_takedown_ack_seconds_count") >= 1);
      // B's acknowledgement is written in the same batch, or earlier: it never counts.
      await new Promise((r) => setTimeout(r, 1_000));
      const settled = (await scrape()).samples;
      expect(valueOf(settled, "signage_takedown_ack_seconds_count")).toBe(1);
      expect(valueOf(acked, "signage_takedown_ack_seconds_bucket", { le: "+Inf" })).toBe(1);
      expect(valueOf(settled, "signage_takedown_ack_seconds_sum")).toBeGreaterThanOrEqual(0);
    } finally {
      for (const s of sockets) s.disconnect();
    }
  });

  it("counts imports by outcome", async () => {
    const t = server();
    const before = (await scrape()).samples;
    const form = (file: string): FormData => {
      const f = new FormData();
      f.set("kind", "discredited");
      f.set("districtIds", "da");
      f.set("expiryDate", "2029-12-31");
      f.set("file", new Blob([file]), "export.csv");
      return f;
    };
    const rows = buildCourtExportRows(2, { seed: 3 }).map((r) => ({ ...r, 照片: "" }));
    const done = await api(`${t.baseUrl}/api/imports`, {
      method: "POST",
      body: form(toCsv(rows).toString("utf8")),
    });
    expect(done.status).toBe(201);
    const refused = await api(`${t.baseUrl}/api/imports`, {
      method: "POST",
      body: form("\u0000\u0001 not an export"),
    });
    expect(refused.status).toBeGreaterThanOrEqual(400);
    expect(refused.status).toBeLessThan(500);
    const after = (await scrape()).samples;
    for (const outcome of ["completed", "refused"])
      expect(valueOf(after, "signage_imports_total", { outcome })).toBe(
        valueOf(before, "signage_imports_total", { outcome }) + 1,
      );
  });
});
