import { readdirSync, readFileSync } from "node:fs"
import { fileURLToPath } from "node:url"
import type postgres from "postgres"

/** Where the numbered migrations live; every `NNNN_name.sql` file there is applied in numeric order. */
export const MIGRATIONS_DIR = fileURLToPath(new URL("../migrations", import.meta.url))

/** Advisory lock key shared by every process that migrates (an arbitrary constant: "lhmigr" in hex-ish). */
const MIGRATION_LOCK_KEY = 0x6c686d6967725f31n

/** Migration files in the order they apply. */
export const migrationFiles = (dir: string = MIGRATIONS_DIR): ReadonlyArray<string> =>
  readdirSync(dir)
    .filter((name) => /^\d{4}_[A-Za-z0-9_.-]+\.sql$/.test(name))
    .sort((a, b) => Number(a.slice(0, 4)) - Number(b.slice(0, 4)) || a.localeCompare(b))

/**
 * Applies the pending migrations in one transaction under a transaction-level advisory lock, so
 * processes starting together serialize: the first applies, the others find nothing left to do.
 */
export const migrate = async (sql: postgres.Sql, dir: string = MIGRATIONS_DIR): Promise<{ applied: string[] }> => {
  const files = migrationFiles(dir)
  return sql.begin(async (tx) => {
    await tx`select pg_advisory_xact_lock(${MIGRATION_LOCK_KEY.toString()}::bigint)`
    await tx`create table if not exists leasehold_migrations (
      name text primary key,
      applied_at timestamptz not null default now()
    )`
    const done = new Set((await tx<{ name: string }[]>`select name from leasehold_migrations`).map((r) => r.name))
    const applied: string[] = []
    for (const name of files) {
      if (done.has(name)) continue
      await tx.unsafe(readFileSync(`${dir}/${name}`, "utf8"))
      await tx`insert into leasehold_migrations (name) values (${name})`
      applied.push(name)
    }
    return { applied }
  }) as Promise<{ applied: string[] }>
}
