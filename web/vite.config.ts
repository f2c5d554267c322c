// The dashboard is served by `viscera serve` (ui role): index.html at "/", everything else under
// "/ui/". `npm run dev` proxies the API to a server on :8080 for development.
import { defineConfig } from "vite";

export default defineConfig({
  base: "/ui/",
  build: { outDir: "dist", emptyOutDir: true, target: "es2021", sourcemap: false },
  server: {
    proxy: {
      "/api": { target: "http://127.0.0.1:8080", ws: true },
      "/metrics": "http://127.0.0.1:8080",
    },
  },
});
