import { fileURLToPath } from "node:url";
import { defineConfig } from "vitest/config";

// The built UI ships inside the pystator-api wheel, which serves it under /ui/.
const outDir = fileURLToPath(new URL("../packages/pystator-api/src/pystator_api/ui_dist", import.meta.url));

export default defineConfig({
  base: "/ui/",
  build: { outDir, emptyOutDir: true, chunkSizeWarningLimit: 2000 },
  oxc: { jsx: { runtime: "automatic", importSource: "preact" } },
  // `pystator ui dev` passes the API to proxy to in PYSTATOR_API_URL (the API's default port otherwise).
  server: { port: 3004, proxy: { "/api": process.env.PYSTATOR_API_URL ?? "http://127.0.0.1:8004" } },
  test: { include: ["tests/**/*.test.ts"], environment: "node" },
});
