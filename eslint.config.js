import js from "@eslint/js";
import globals from "globals";
import reactHooks from "eslint-plugin-react-hooks";
import tseslint from "typescript-eslint";

const noServer = {
  group: ["**/server/**", "**/server"],
  message: "Only server code imports server code.",
};
const noDisplay = {
  group: ["**/display/**", "**/display"],
  message: "Only display code imports display code.",
};
// A layer below the routes does not reach up: services answer to routes and sockets, not the
// other way round, and store/ is called by services.
const noEdge = {
  group: ["**/http/**", "**/routes/**", "**/sockets/**"],
  message: "Services and store/ are called by routes and sockets; they do not import them.",
};
const noServices = {
  group: ["**/services/**"],
  message: "store/ is called by services; it does not import them.",
};
// Relative imports name no area, so the folder depth decides what "../../" leaves: one config
// block per depth, generated up to a depth no folder reaches.
const depths = [0, 1, 2, 3, 4, 5];
// The console may import shared/ and itself, nothing else of the server (it ships to browsers).
const consoleBlocks = depths.map((depth) => {
  // From src/ and `depth` folders below it, this many "../" reach server/.
  const toServer = depth + 2;
  return {
    files: [`server/console/src/${"*/".repeat(depth)}*.{ts,tsx}`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            noDisplay,
            {
              regex: `^(\\.\\./){${toServer}}(?!\\.\\./shared(/|$))`,
              message: "The console imports shared/ and itself only, no server code.",
            },
          ],
        },
      ],
    },
  };
});
// The kiosk renderer is sandboxed browser code: Electron is reached only through the preload API.
const noElectron = {
  group: ["electron", "electron/*"],
  message: "The renderer is sandboxed: use the preload API (display/kioskApi.ts), not Electron.",
};
const rendererBlocks = [-1, ...depths].map((depth) => {
  // From display/renderer/ (depth -1) or src/ and `depth` folders below it: "../" up to display/.
  const toDisplay = "../".repeat(depth + 2);
  return {
    files: [depth < 0 ? "display/renderer/*.ts" : `display/renderer/src/${"*/".repeat(depth)}*.ts`],
    rules: {
      "no-restricted-imports": [
        "error",
        {
          patterns: [
            noServer,
            noElectron,
            {
              group: [
                `${toDisplay}main`,
                `${toDisplay}main/**`,
                "**/display/main",
                "**/display/main/**",
              ],
              message: "The renderer does not import display/main (Electron's main process).",
            },
          ],
        },
      ],
    },
  };
});

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
    files: ["server/services/**/*.{ts,mjs}"],
    rules: { "no-restricted-imports": ["error", { patterns: [noDisplay, noEdge] }] },
  },
  {
    files: ["server/store/**/*.{ts,mjs}"],
    rules: { "no-restricted-imports": ["error", { patterns: [noDisplay, noEdge, noServices] }] },
  },
  ...consoleBlocks,
  {
    files: ["display/**/*.ts"],
    rules: { "no-restricted-imports": ["error", { patterns: [noServer] }] },
  },
  ...rendererBlocks,
  {
    // Only the two classic rules: the React Compiler's rules judge code written for the compiler.
    files: ["server/console/src/**/*.{ts,tsx}"],
    plugins: { "react-hooks": reactHooks },
    rules: {
      "react-hooks/rules-of-hooks": "error",
      "react-hooks/exhaustive-deps": "error",
    },
  },
  {
    files: ["display/renderer/**/*.ts", "server/console/src/**/*.{ts,tsx}"],
    languageOptions: { globals: { ...globals.browser } },
  },
  {
    // The browser display's offline shell runs as a service worker.
    files: ["display/renderer/public/sw.js"],
    languageOptions: { globals: { ...globals.serviceworker } },
  },
  {
    // Queries live in server/store/, one module per table family (STYLE.md): a column, a guard
    // or a lock order is then changed in one place, and services keep the logic around them.
    files: ["server/**/*.ts"],
    ignores: ["server/store/**"],
    rules: {
      "no-restricted-syntax": [
        "error",
        ...[
          "CallExpression[callee.property.name=/^(selectFrom|updateTable|insertInto|deleteFrom|selectNoFrom)$/]",
          "TaggedTemplateExpression[tag.name='sql']",
          "CallExpression[callee.object.name='sql']",
        ].map((selector) => ({
          selector,
          message: "Queries live in server/store/ (one module per table family).",
        })),
      ],
    },
  },
);
