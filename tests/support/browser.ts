import { existsSync } from "node:fs";
import { chromium, type Browser } from "playwright-core";

const debianChromium = "/usr/bin/chromium";

/**
 * Launches Chromium: $CHROMIUM_PATH, else Debian's /usr/bin/chromium, else the browser that
 * `npx playwright-core install chromium` downloaded.
 */
export async function launchChromium(): Promise<Browser> {
  const fromEnv = process.env["CHROMIUM_PATH"];
  const executablePath = fromEnv ?? (existsSync(debianChromium) ? debianChromium : undefined);
  return chromium.launch({
    ...(executablePath ? { executablePath } : {}),
    args: [
      "--no-sandbox",
      "--disable-gpu",
      "--disable-background-networking",
      "--disable-component-update",
      "--no-first-run",
      "--disable-sync",
    ],
  });
}
