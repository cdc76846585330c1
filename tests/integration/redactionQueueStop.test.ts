import { createHash } from "node:crypto";
import pino from "pino";
import { describe, expect, it } from "vitest";
import { loadConfig } from "../../server/config";
import { RawVault } from "../../server/services/crypto/RawVault";
import { RedactionQueue, type RedactionOutcome } from "../../server/services/RedactionQueue";
import { openStore } from "../../server/store/database";
import { enqueueRedaction } from "../../server/store/entries";
import { singleFacePortrait } from "../fixtures/singleFace";
import { createEntryWithPhoto } from "../support/entryPublishing";
import {
  createDistrict,
  removeDataDir,
  startTestServer,
  waitForRedaction,
} from "../support/testServer";

describe("stopping the redaction queue", () => {
  it("waits for a job it is claiming at that moment, so nothing runs after it stopped", async () => {
    const t = await startTestServer({ env: { SIGNAGE_REDACTION_WORKERS: "1" } });
    const { dataDir } = t;
    try {
      await createDistrict(t.baseUrl, "da");
      const entry = await createEntryWithPhoto(t, await singleFacePortrait(), {});
      expect((await waitForRedaction(t, entry.id, 180_000)).redactionStatus).toBe("done");
      await t.stop();

      const config = loadConfig({ SIGNAGE_DATA_DIR: dataDir });
      const store = openStore(config.database);
      try {
        await enqueueRedaction(store.db, entry.id, new Date().toISOString());
        const bytes = Buffer.from(`rendition ${entry.id}`);
        const rendition = (variant: "display" | "thumb") => ({
          variant,
          mime: "image/webp",
          width: 10,
          height: 10,
          hash: createHash("sha256").update(`${variant}${entry.id}`).digest("hex"),
          bytes,
        });
        const outcome: RedactionOutcome = {
          verdict: "publishable",
          style: "mosaic",
          renditions: [rendition("display"), rendition("thumb")],
          concerns: [],
          detail: { faces: [] },
        };
        let redactions = 0;
        const queue = new RedactionQueue({
          db: store.db,
          vault: RawVault.open({ dataDir, keyBase64: config.masterKey }),
          redactor: {
            redact: async () => {
              redactions += 1;
              await new Promise((r) => setTimeout(r, 300));
              return outcome;
            },
          },
          log: pino({ level: "silent" }),
          concurrency: 1,
        });
        // Started: it has begun to claim the queued job (a database round trip) when start
        // returns. Stopped at once: the claim, and the job it claims, finish before stop does.
        await queue.start();
        await queue.stop();
        const jobs = () =>
          store.db
            .selectFrom("redaction_jobs")
            .select(["state"])
            .where("entry_id", "=", entry.id)
            .orderBy("id")
            .execute();
        const atStop = await jobs();
        const stoppedRedactions = redactions;
        await new Promise((r) => setTimeout(r, 1_000));
        // Nothing moved after stop returned: no job claimed or redacted behind its back.
        expect(await jobs()).toEqual(atStop);
        expect(redactions).toBe(stoppedRedactions);
        expect(atStop.map((j) => j.state)).not.toContain("running");
      } finally {
        await store.db.destroy();
      }
    } finally {
      await t.stop().catch(() => undefined);
      removeDataDir(dataDir);
    }
  }, 300_000);
});
