import { randomBytes } from "node:crypto"
import postgres from "postgres"

/** A fresh database for one test file. */
export interface TestDatabase {
  readonly url: string
  readonly name: string
  readonly drop: () => Promise<void>
}

/** Replaces the database name of a connection string. */
export const withDatabase = (url: string, database: string): string => {
  const u = new URL(url)
  u.pathname = `/${database}`
  return u.toString()
}

/** The admin URL the global setup published (vitest `provide`, or the environment for child processes). */
export const adminUrl = (): string => {
  const url = process.env.LEASEHOLD_PG_ADMIN_URL
  if (!url) throw new Error("no test PostgreSQL: add tooling's globalSetup to vitest config or set TEST_DATABASE_URL")
  return url
}

/**
 * Creates a uniquely named database; `drop()` removes it unless KEEP_TEST_DB=1.
 * Each test file calls this in beforeAll, so files can run in parallel.
 */
export const createTestDatabase = async (prefix = "lh_test"): Promise<TestDatabase> => {
  const admin = adminUrl()
  const name = `${prefix}_${Date.now().toString(36)}_${randomBytes(4).toString("hex")}`
  const sql = postgres(admin, { max: 1, onnotice: () => {} })
  try {
    await sql.unsafe(`CREATE DATABASE "${name}"`)
  } finally {
    await sql.end()
  }
  return {
    url: withDatabase(admin, name),
    name,
    drop: async () => {
      if (process.env.KEEP_TEST_DB === "1") {
        console.log(`KEEP_TEST_DB=1: kept ${name}`)
        return
      }
      const s = postgres(admin, { max: 1, onnotice: () => {} })
      try {
        await s.unsafe(`DROP DATABASE IF EXISTS "${name}" WITH (FORCE)`)
      } finally {
        await s.end()
      }
    }
  }
}
