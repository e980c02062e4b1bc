import { fileURLToPath } from "node:url"

/** Shared vitest settings: the PostgreSQL harness and generous timeouts for real-database tests. */
export const baseTestConfig = {
  globalSetup: [fileURLToPath(new URL("./pg/globalSetup.ts", import.meta.url))],
  testTimeout: 120_000,
  hookTimeout: 120_000,
  pool: "forks" as const
}
