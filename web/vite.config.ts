import { defineConfig } from "vitest/config";

// The built page runs under chitter-local's Content-Security-Policy
// (script-src 'self', style-src 'self', img-src 'self' blob:), so nothing
// may be inlined as a data: URL and no inline script or style is emitted.
export default defineConfig({
  oxc: {
    jsx: { runtime: "automatic", importSource: "preact" },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    assetsInlineLimit: 0,
    sourcemap: false,
  },
  server: {
    // `npm run dev` against chitter-local on its default port.
    proxy: {
      "/api": "http://localhost:3000",
      "/ws": { target: "ws://localhost:3000", ws: true },
    },
  },
  test: {
    include: ["test/**/*.test.ts"],
    environment: "node",
  },
});
