import react from "@vitejs/plugin-react";
import { defineConfig } from "vite";

// Django serves the build: index.html at "/" and the assets under /static/ (whitenoise).
export default defineConfig({
  base: "/static/",
  plugins: [react()],
  build: { outDir: "dist", emptyOutDir: true },
  server: { proxy: { "/api": "http://127.0.0.1:8000", "/ws": { target: "ws://127.0.0.1:8000", ws: true } } },
});
