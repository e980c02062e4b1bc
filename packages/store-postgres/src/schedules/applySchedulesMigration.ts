import { readFileSync } from "node:fs"
import type postgres from "postgres"

/** Where the schedules migration lives (the package's migration runner applies it with the others). */
export const SCHEDULES_MIGRATION_URL = new URL("../../migrations/0010_schedules.sql", import.meta.url)

/** Applies only the schedules migration: for tests of the schedules tables on a bare database. */
export const applySchedulesMigration = async (sql: postgres.Sql): Promise<void> => {
  await sql.unsafe(readFileSync(SCHEDULES_MIGRATION_URL, "utf8"))
}
