import { configDefaults, defineConfig } from "vitest/config"

/**
 * Core touches no database, so it needs none of the PostgreSQL harness: forks, generous timeouts. The
 * mutation run's sandbox copy (.stryker-tmp) is not a second set of tests.
 */
export default defineConfig({
  test: { pool: "forks", testTimeout: 120_000, hookTimeout: 120_000, exclude: [...configDefaults.exclude, ".stryker-tmp/**"] }
})
