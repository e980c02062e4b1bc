import react from "@vitejs/plugin-react"
import { defineConfig } from "vite"

/** Served by the master at /ui/; assets get content-hashed names so the master can cache them for a year. */
export default defineConfig({
  base: "/ui/",
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    target: "es2022",
    // The master's CSP allows no inline script: keep even the smallest chunk a file.
    assetsInlineLimit: 0,
    modulePreload: { polyfill: false }
  },
  server: { proxy: { "/api": "http://127.0.0.1:8080" } }
})
