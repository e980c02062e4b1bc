import postgres from "postgres"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"

/** A fresh test database with the tables the fixture handlers write, and a client on it. */
export const setupDatabase = async (): Promise<{ db: TestDatabase; sql: postgres.Sql; close: () => Promise<void> }> => {
  const db = await createTestDatabase("lh_worker_e2e")
  const sql = postgres(db.url, { max: 2, onnotice: () => {} })
  await sql`create table e2e_runs (job_id bigint not null, attempt int not null, worker_id text not null,
            lease_token text not null, event text not null, at timestamptz not null default now())`
  await sql`create table e2e_ranges (job_id bigint not null, attempt int not null, worker_id text not null,
            range_start bigint not null, range_end bigint not null)`
  return {
    db,
    sql,
    close: async () => {
      await sql.end()
      await db.drop()
    }
  }
}
