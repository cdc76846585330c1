import js from "@eslint/js";
import globals from "globals";
import tseslint from "typescript-eslint";

const noServer = {
  group: ["**/server/**", "**/server"],
  message: "Only server code imports server code.",
};
const noDisplay = {
  group: ["**/display/**", "**/display"],
  message: "Only display code imports display code.",
};

export default tseslint.config(
  { ignores: ["dist/**", "release/**", "node_modules/**", "data/**", "test-results/**"] },
  js.configs.recommended,
  ...tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: {
        projectService: {
          // Build configs belong to no area; tests/tsconfig.json type-checks them.
          allowDefaultProject: [
            "vitest.config.ts",
            "display/renderer/vite.config.ts",
            "server/console/vite.config.ts",
          ],
          defaultProject: "tests/tsconfig.json",
        },
        tsconfigRootDir: import.meta.dirname,
      },
      globals: { ...globals.node },
    },
    rules: {
      "@typescript-eslint/no-floating-promises": "error",
      "@typescript-eslint/consistent-type-imports": ["error", { fixStyle: "inline-type-imports" }],
      "@typescript-eslint/no-non-null-assertion": "error",
      "@typescript-eslint/no-explicit-any": "error",
      "@typescript-eslint/ban-ts-comment": "error",
      "@typescript-eslint/no-unused-vars": [
        "error",
        { argsIgnorePattern: "^_", varsIgnorePattern: "^_" },
      ],
      eqeqeq: ["error", "always", { null: "ignore" }],
    },
  },
  {
    files: ["**/*.js", "**/*.mjs", "**/*.cjs"],
    ...tseslint.configs.disableTypeChecked,
  },
  {
    // shared/ is pure: no Node, no DOM frameworks, nothing from server/ or display/.
    files: ["shared/**/*.ts"],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            noServer,
            noDisplay,
            { group: ["node:*"], message: "shared/ runs in browsers too: no Node modules." },
          ],
          paths: [
            "express",
            "socket.io",
            "socket.io-client",
            "electron",
            "react",
            "pino",
            "kysely",
          ].map((name) => ({ name, message: "shared/ is pure TypeScript: zod only." })),
        },
      ],
    },
  },
  {
    files: ["server/**/*.ts", "server/**/*.tsx"],
    rules: { "no-restricted-imports": ["error", { patterns: [noDisplay] }] },
  },
  {
    files: ["display/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [noServer] }] },
  },
  {
    files: ["display/renderer/**/*.ts", "server/console/src/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
  },
);
