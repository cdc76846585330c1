import { readFileSync } from "node:fs";
import { createRequire } from "node:module";
import type { Page } from "playwright-core";
import { expect } from "vitest";

const require = createRequire(import.meta.url);
/** axe-core's browser bundle, read once and injected into each page checked. */
const axeSource = readFileSync(require.resolve("axe-core/axe.min.js"), "utf8");

/** One axe finding, reduced to what a failure message needs. */
interface Violation {
  id: string;
  impact: string | null;
  help: string;
  nodes: string[];
}

/**
 * Runs axe-core (WCAG 2.x A and AA rules) on the page as it is now and fails the test on any
 * `serious` or `critical` violation, naming the rule and the elements.
 */
export async function expectNoSeriousA11yViolations(page: Page, label: string): Promise<void> {
  // Evaluated through the DevTools protocol, so the console's CSP (script-src 'self') stays on.
  if (!(await page.evaluate(() => "axe" in window))) await page.evaluate(axeSource);
  const violations = await page.evaluate(async (): Promise<Violation[]> => {
    interface AxeResult {
      violations: {
        id: string;
        impact?: string | null;
        help: string;
        nodes: { target: unknown[] }[];
      }[];
    }
    const axe = (
      window as unknown as { axe: { run(ctx: Document, opts: object): Promise<AxeResult> } }
    ).axe;
    const result = await axe.run(document, {
      runOnly: { type: "tag", values: ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"] },
      resultTypes: ["violations"],
    });
    return result.violations.map((v) => ({
      id: v.id,
      impact: v.impact ?? null,
      help: v.help,
      nodes: v.nodes.map((n) => n.target.map(String).join(" ")),
    }));
  });
  const serious = violations.filter((v) => v.impact === "serious" || v.impact === "critical");
  // One line per violation, so the failure message itself names the rules and elements.
  expect(
    serious.map((v) => `${v.impact} ${v.id}: ${v.help} — ${v.nodes.join(", ")}`).join("\n"),
    `serious or critical accessibility violations on ${label}`,
  ).toBe("");
}
