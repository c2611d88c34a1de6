import { defineConfig } from "vitest/config";
import react from "@vitejs/plugin-react";

// The edge serves the built files at / and the API under /api on the same port, so in development
// Vite forwards /api (including the WebSocket upgrade for /api/ws) to a running edge.
const edgeUrl = process.env.EDGE_URL ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  server: {
    proxy: {
      "/api": { target: edgeUrl, changeOrigin: true, ws: true },
    },
  },
  build: {
    outDir: "dist",
    emptyOutDir: true,
  },
  test: {
    environment: "happy-dom",
    include: ["src/**/*.test.{ts,tsx}"],
    globals: false,
    restoreMocks: true,
  },
});
