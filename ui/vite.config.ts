// Vite builds the UI into dist/ (embedded in the app) and, with `--mode mock`, a copy whose
// entry installs Tauri's IPC mocks first (dist-mock/, used by the Chromium tests only).
import { defineConfig } from "vite";
import { svelte } from "@sveltejs/vite-plugin-svelte";

export default defineConfig(({ mode }) => ({
  plugins: [svelte()],
  clearScreen: false,
  server: { port: 5173, strictPort: true },
  build: {
    target: "es2022",
    outDir: mode === "mock" ? "dist-mock" : "dist",
    emptyOutDir: true,
    rollupOptions: mode === "mock" ? { input: "tests/browser/mock.html" } : undefined,
  },
  test: {
    include: ["src/**/*.test.ts"],
    environment: "node",
  },
}));
