import type { AuditRecord } from "../../shared/schemas/auditRecord";
import { randomBytes } from "node:crypto";
import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { afterEach, describe, expect, it } from "vitest";
import { wordError } from "../../shared/messages/errorMessages";
import { AuditLog } from "../../server/services/AuditLog";
import { RawVault } from "../../server/services/crypto/RawVault";
import { migrateToLatest, openStore } from "../../server/store/database";
import { makeDataDir, removeDataDir } from "../support/testServer";
import { runCli } from "../support/runCli";

const dirs: string[] = [];
afterEach(() => {
  for (const d of dirs.splice(0)) removeDataDir(d);
});

/** A data directory with `n` audit records in its SQLite database, one a minute from 1 May 2024. */
async function seededDataDir(n: number): Promise<{ dir: string; lastHash: string }> {
  const dir = makeDataDir();
  dirs.push(dir);
  const store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
  try {
    await migrateToLatest(store);
    let tick = 0;
    const audit = new AuditLog({
      db: store.db,
      kind: store.kind,
      key: RawVault.open({ dataDir: dir }).auditChainKey(),
      now: () => new Date(Date.parse("2024-05-01T00:00:00Z") + 60_000 * tick++),
    });
    let lastHash = "";
    for (let i = 1; i <= n; i++) {
      const row = await audit.record(store.db, {
        actor: { type: "user", id: "u1" },
        action: "entry.approved",
        target: { type: "entry", id: `e${i}` },
        details: { n: i },
      });
      lastHash = row.hash;
    }
    return { dir, lastHash };
  } finally {
    await store.db.destroy();
  }
}

async function tamper(dir: string, seq: number): Promise<void> {
  const store = openStore({ kind: "sqlite", file: join(dir, "signage.db") });
  try {
    await store.db
      .updateTable("audit_log")
      .set({ details_json: '{"n":0}' })
      .where("seq", "=", seq)
      .execute();
  } finally {
    await store.db.destroy();
  }
}

describe("signage audit", () => {
  it("reports an intact chain with its length and last hash", async () => {
    const { dir, lastHash } = await seededDataDir(8);
    const run = await runCli(["audit", "verify"], { SIGNAGE_DATA_DIR: dir });
    expect(run.code).toBe(0);
    expect(run.stdout).toBe(
      `signage: audit chain intact: 8 records, last hash ${lastHash.slice(0, 16)}…\n`,
    );
    // Not a terminal, so no progress bar.
    expect(run.stderr).toBe("");
  });

  it("names the altered record and exits 1", async () => {
    const { dir } = await seededDataDir(8);
    await tamper(dir, 5);
    const run = await runCli(["audit", "verify"], { SIGNAGE_DATA_DIR: dir });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(
      "signage: audit chain broken at record 5: Record 5 was altered: its hash does not match its contents.\n",
    );
  });

  it("names an altered first or last record, not the key, when the other records verify", async () => {
    for (const seq of [1, 3]) {
      const { dir } = await seededDataDir(3);
      await tamper(dir, seq);
      const run = await runCli(["audit", "verify"], { SIGNAGE_DATA_DIR: dir });
      expect(run.code).toBe(1);
      expect(run.stderr).toBe(
        `signage: audit chain broken at record ${seq}: Record ${seq} was altered: its hash does not match its contents.\n`,
      );
    }
  });

  it("says in one sentence that the chain is not under this master key, before verifying", async () => {
    const { dir } = await seededDataDir(3);
    const run = await runCli(["audit", "verify"], {
      SIGNAGE_DATA_DIR: dir,
      SIGNAGE_MASTER_KEY: randomBytes(32).toString("base64"),
    });
    expect(run.code).toBe(1);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe(`signage audit: ${wordError("audit.keyMismatchRead", {}, "en")}\n`);
    expect(run.stderr).not.toMatch(/altered|broken|\bat \S+ \(|AuditKeyMismatchError/);
  });

  it("exports nothing under a master key the chain is not under, saying so in one sentence", async () => {
    const { dir } = await seededDataDir(3);
    const stranger = {
      SIGNAGE_DATA_DIR: dir,
      SIGNAGE_MASTER_KEY: randomBytes(32).toString("base64"),
    };
    const out = join(dir, "audit.jsonl");
    for (const args of [
      ["audit", "export", "--out", out],
      ["audit", "export"],
    ]) {
      const run = await runCli(args, stranger);
      expect(run.code, args.join(" ")).toBe(1);
      expect(run.stdout, args.join(" ")).toBe("");
      expect(run.stderr, args.join(" ")).toBe(
        `signage audit: ${wordError("audit.keyMismatchRead", {}, "en")}\n`,
      );
    }
    expect(existsSync(out)).toBe(false);
  });

  it("exports a time window as JSON Lines to a private file", async () => {
    const { dir } = await seededDataDir(10);
    const out = join(dir, "audit.jsonl");
    const run = await runCli(
      [
        "audit",
        "export",
        "--from",
        "2024-05-01T00:02:00Z",
        "--to",
        "2024-05-01T00:05:00Z",
        "--out",
        out,
      ],
      { SIGNAGE_DATA_DIR: dir },
    );
    expect(run.code).toBe(0);
    expect(run.stdout).toBe("");
    expect(run.stderr).toBe("signage: exported 3 audit records\n");
    expect(statSync(out).mode & 0o777).toBe(0o600);
    const lines = readFileSync(out, "utf8").trimEnd().split("\n");
    const records = lines.map((l) => JSON.parse(l) as AuditRecord);
    expect(records.map((r) => r.seq)).toEqual([3, 4, 5]);
    expect(records[0]).toMatchObject({
      at: "2024-05-01T00:02:00.000Z",
      actor: { type: "user", id: "u1" },
      action: "entry.approved",
      target: { type: "entry", id: "e3" },
      details: { n: 3 },
    });
    expect(records[1]?.prevHash).toBe(records[0]?.hash);
  });

  it("exports everything to stdout when given no window", async () => {
    const { dir } = await seededDataDir(4);
    const run = await runCli(["audit", "export"], { SIGNAGE_DATA_DIR: dir });
    expect(run.code).toBe(0);
    const seqs = run.stdout
      .trimEnd()
      .split("\n")
      .map((l) => (JSON.parse(l) as AuditRecord).seq);
    expect(seqs).toEqual([1, 2, 3, 4]);
    expect(run.stderr).toBe("signage: exported 4 audit records\n");
  });

  it("refuses a date it cannot read, in one sentence, with exit 2", async () => {
    const run = await runCli(["audit", "export", "--from", "yesterday"], {
      SIGNAGE_DATA_DIR: dataDirOnly(),
    });
    expect(run.code).toBe(2);
    expect(run.stderr).toBe(
      "signage audit: --from must be an ISO 8601 date (2024-05-01) or instant (2024-05-01T08:00:00Z).\n",
    );
    const reversed = await runCli(
      ["audit", "export", "--from", "2024-06-01", "--to", "2024-05-01"],
      { SIGNAGE_DATA_DIR: dataDirOnly() },
    );
    expect(reversed.code).toBe(2);
    expect(reversed.stderr).toBe("signage audit: --from must be earlier than --to.\n");
  });

  it("prints usage for --help and refuses an unknown subcommand", async () => {
    const help = await runCli(["audit", "--help"], {});
    expect(help.code).toBe(0);
    expect(help.stdout).toContain("Usage: signage audit verify");
    const unknown = await runCli(["audit", "rewrite"], {});
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toContain('signage audit: unknown subcommand "rewrite".');
    const main = await runCli(["--help"], {});
    expect(main.stdout).toContain("signage audit verify|export");
  });
});

function dataDirOnly(): string {
  const d = makeDataDir();
  dirs.push(d);
  return d;
}
