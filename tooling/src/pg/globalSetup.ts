import { startTestServer } from "./server.ts"

/**
 * Vitest global setup: one PostgreSQL server per test run, published to test
 * workers (and their child processes) as LEASEHOLD_PG_ADMIN_URL.
 */
export default async function setup() {
  if (process.env.LEASEHOLD_PG_ADMIN_URL) return async () => {}
  const server = await startTestServer()
  process.env.LEASEHOLD_PG_ADMIN_URL = server.adminUrl
  process.env.LEASEHOLD_PG_SOURCE = server.source
  console.log(`[leasehold test harness] PostgreSQL from ${server.source}`)
  return async () => {
    await server.stop()
  }
}
