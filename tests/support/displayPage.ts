import { existsSync, mkdirSync } from "node:fs";
import { join } from "node:path";
import type { Page } from "playwright-core";
import { expect } from "vitest";
import { defaultWebRoot } from "../../server/app";
import { expectText } from "./browser";
import { postJson } from "./testServer";

/** Where the display tests leave their screenshots. */
export const displayShots = join(import.meta.dirname, "../../test-results/e2e");

/** Fails early, with the fix, when the display has not been built; makes the screenshot folder. */
export function requireDisplayBuild(): void {
  if (!existsSync(join(defaultWebRoot, "display", "index.html")))
    throw new Error('dist/display is missing: run "npm run build:web" before the e2e tests.');
  mkdirSync(displayShots, { recursive: true });
}

/**
 * Pairs the display open on `page` as a technician and an operator do: reads the code it shows,
 * pairs it through the API as `name` in `districtId`, and waits until the display is online.
 * Returns the new screen's id.
 */
export async function pairShownCode(
  page: Page,
  baseUrl: string,
  name: string,
  districtId: string,
): Promise<string> {
  const code = page.getByTestId("pairing-code");
  await code.waitFor({ state: "visible", timeout: 10_000 });
  const res = await postJson(`${baseUrl}/api/screens/pair`, {
    code: ((await code.textContent()) ?? "").replace(/\s/g, ""),
    name,
    districtId,
  });
  expect(res.status).toBe(201);
  await expectText(page.locator("#status"), /Online/);
  return (res.body as { screen: { id: string } }).screen.id;
}
