import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The kiosk renderer: served by the server at /display/ and by Electron at app://kiosk/,
// so asset URLs are relative.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  css: {
    postcss: {
      plugins: [
        {
          // The bundled CJK font (display.css) lists a woff fallback beside each woff2 subset;
          // Chromium reads woff2, so the fallbacks would only double the kiosk's bundle.
          postcssPlugin: "woff2-only",
          AtRule: {
            "font-face": (rule) => {
              rule.walkDecls("src", (decl) => {
                decl.value = decl.value
                  .split(/,(?![^(]*\))/)
                  .filter((source) => !/format\(\s*["']woff["']\s*\)/.test(source))
                  .join(",")
                  .trim();
              });
            },
          },
        },
      ],
    },
  },
  build: {
    outDir: fileURLToPath(new URL("../../dist/display", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
  },
});
