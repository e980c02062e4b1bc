import { defineConfig } from "vitest/config"

/** Core touches no database, so it needs none of the PostgreSQL harness: forks, generous timeouts. */
export default defineConfig({ test: { pool: "forks", testTimeout: 120_000, hookTimeout: 120_000 } })
