import { fileURLToPath } from "node:url";
import { defineConfig } from "vite";

// The kiosk renderer: served by the server at /display/ and by Electron at app://kiosk/,
// so asset URLs are relative.
export default defineConfig({
  root: fileURLToPath(new URL(".", import.meta.url)),
  base: "./",
  build: {
    outDir: fileURLToPath(new URL("../../dist/display", import.meta.url)),
    emptyOutDir: true,
    target: "es2022",
  },
});
