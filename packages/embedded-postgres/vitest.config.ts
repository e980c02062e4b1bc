import { defineConfig } from "vitest/config"

/** These tests start their own servers; no shared test PostgreSQL. */
export default defineConfig({ test: { pool: "forks", testTimeout: 180_000, hookTimeout: 180_000 } })
