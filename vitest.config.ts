import { defineConfig } from "vitest/config";

/**
 * The end-to-end files that run alone, after the others: the soak counts reconnecting kiosks
 * over a fixed time, and display.test.ts compares two pages' slide changes in time.
 */
const alone = ["tests/e2e/soak.test.ts", "tests/e2e/display.test.ts"];

// One runner, three suites; `npm test` runs them in order and fails if any finds no test.
export default defineConfig({
  test: {
    passWithNoTests: false,
    projects: [
      { test: { name: "unit", include: ["tests/unit/**/*.test.ts"], environment: "node" } },
      {
        test: {
          name: "integration",
          include: ["tests/integration/**/*.test.ts"],
          testTimeout: 30_000,
          hookTimeout: 30_000,
        },
      },
      {
        // Two files at a time: each starts its own server on port 0, its own data folder and
        // PostgreSQL database, and its own Chromium, and mostly waits (rotations, pushes), so a
        // second file fills that time. The timing-sensitive files run alone afterwards.
        test: {
          name: "e2e",
          include: ["tests/e2e/**/*.test.ts"],
          exclude: alone,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          maxWorkers: 2,
          sequence: { groupOrder: 1 },
        },
      },
      {
        // One file at a time, after the parallel group: these measure time on the machine.
        test: {
          name: "e2e-alone",
          include: alone,
          testTimeout: 60_000,
          hookTimeout: 60_000,
          fileParallelism: false,
          sequence: { groupOrder: 2 },
        },
      },
    ],
  },
});
