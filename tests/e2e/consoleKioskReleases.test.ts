import { randomBytes } from "node:crypto";
import { mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, describe, expect, it } from "vitest";
import { KioskReleasesViewSchema } from "../../shared/schemas/kioskRelease";
import {
  checkBothLanguages,
  expectPageHeading,
  openSignedIn,
  useConsoleBrowser,
} from "../support/console";
import { runCli } from "../support/runCli";
import {
  adminSessionValue,
  api,
  createDistrict,
  pairKiosk,
  useTestServer,
  type KioskSocket,
  type TestServer,
} from "../support/testServer";

const ui = useConsoleBrowser();
const sockets: KioskSocket[] = [];
const dir = mkdtempSync(join(tmpdir(), "signage-release-ui-"));
afterAll(() => {
  for (const s of sockets) s.disconnect();
  rmSync(dir, { recursive: true, force: true });
});

/** An installer the feed accepts: an AppImage's ELF header marked "AI" type 2. */
function appImage(version: string): string {
  const path = join(dir, `civic-signage-kiosk-${version}-x86_64.AppImage`);
  const head = Buffer.alloc(16);
  head.write("\x7fELF", 0, "latin1");
  head.write("AI\x02", 8, "latin1");
  writeFileSync(path, Buffer.concat([head, randomBytes(3 * 1024 * 1024)]));
  return path;
}

async function view(t: TestServer) {
  return KioskReleasesViewSchema.parse(await (await api(`${t.baseUrl}/api/kiosk-releases`)).json());
}

describe("the kiosk releases page (issue 21 item 3)", () => {
  const server = useTestServer({}, async (t) => {
    await createDistrict(t.baseUrl, "rel-city");
    await createDistrict(t.baseUrl, "rel-east", "rel-city");
    const env = { SIGNAGE_DATA_DIR: t.dataDir };
    for (const [version, notes] of [
      ["1.0.0", "First street release"],
      ["1.1.0", "Night reload fixed; larger QR codes"],
    ] as const) {
      const added = await runCli(
        ["kiosk-release", "add", appImage(version), "--channel", "stable", "--notes", notes],
        env,
      );
      expect(added.code, added.stderr).toBe(0);
    }
    const promoted = await runCli(
      ["kiosk-release", "promote", "1.0.0", "--channel", "stable"],
      env,
    );
    expect(promoted.code, promoted.stderr).toBe(0);
    sockets.push((await pairKiosk(t.baseUrl, "rel-east", "东门屏")).socket);
  });

  it("shows releases and screens by version, and stages, releases to all and rolls back, each confirmed", async () => {
    const t = server();
    const opened = await openSignedIn(ui.browser, t.baseUrl, adminSessionValue(t.baseUrl), {
      hash: "#releases",
    });
    ui.contexts.push(opened.context);
    const { page } = opened;
    await expectPageHeading(page, "Kiosk releases");
    await page.getByText("Channel stable: every screen is offered 1.0.0.").waitFor();

    // Stage 1.1.0 to the east district.
    await page.getByRole("button", { name: "Stage… 1.1.0 (stable)" }).click();
    await page.getByRole("checkbox", { name: /rel-east/ }).check();
    await page.getByRole("button", { name: "Stage", exact: true }).click();
    await page.getByText("1.1.0 is now offered to the chosen districts and tags.").waitFor();
    expect((await view(t)).stages.map((s) => s.target.id)).toEqual(["rel-east"]);
    await checkBothLanguages(page, "kiosk-releases", { zh: "终端版本", en: "Kiosk releases" });

    // Release to all asks first; cancelling changes nothing.
    await page.getByRole("button", { name: "Release to all: 1.1.0 (stable)" }).click();
    await page.getByRole("button", { name: "Cancel" }).click();
    expect((await view(t)).rollouts[0]?.released).toBe("1.0.0");
    await page.getByRole("button", { name: "Release to all: 1.1.0 (stable)" }).click();
    await page
      .getByRole("group", { name: "Release to all: 1.1.0 (stable)" })
      .getByRole("button", { name: "Release to all" })
      .click();
    await page.getByText("1.1.0 is now offered to every screen of channel stable.").waitFor();
    expect((await view(t)).rollouts[0]).toMatchObject({ released: "1.1.0", previous: "1.0.0" });

    await page.getByRole("button", { name: "Roll back to 1.0.0" }).click();
    await page.getByRole("button", { name: "Roll back", exact: true }).click();
    await page.getByText("Channel stable is back on 1.0.0 for every screen.").waitFor();
    expect((await view(t)).rollouts[0]).toMatchObject({ released: "1.0.0", previous: null });
    await page.screenshot({
      path: join(
        import.meta.dirname,
        "../../test-results/console/kiosk-releases-rolled-back-en.png",
      ),
      fullPage: true,
    });
  });
});
