import type postgres from "postgres"
import { storeError } from "@leasehold/core"
import { classified, jsonb } from "./classifyScheduleError.ts"
import type { ScheduleFields, ScheduleRow } from "./ScheduleRow.ts"

type Sql = postgres.Sql | postgres.TransactionSql


const notFound = (name: string) => storeError("NotFound", `schedule '${name}' not found`)

const columns = (sql: Sql, f: ScheduleFields, now: Date) => sql`
  cron = ${f.cron}, timezone = ${f.timezone}, queue = ${f.queue}, type = ${f.type},
  payload = ${jsonb(sql, f.payload)}, max_attempts = ${f.max_attempts}, enabled = ${f.enabled},
  misfire_policy = ${f.misfire_policy}, backfill_limit = ${f.backfill_limit},
  next_run_at = ${f.next_run_at}, updated_at = ${now}`

/** Inserts a new schedule; a taken name fails with reason Conflict. */
export const scheduleInsert = (sql: Sql, p: { readonly name: string; readonly fields: ScheduleFields; readonly now: Date }) =>
  classified(async () => {
    const f = p.fields
    const rows = await sql<Array<ScheduleRow>>`
      INSERT INTO schedules (name, cron, timezone, queue, type, payload, max_attempts, enabled, misfire_policy,
                             backfill_limit, next_run_at, created_at, updated_at)
      VALUES (${p.name}, ${f.cron}, ${f.timezone}, ${f.queue}, ${f.type}, ${jsonb(sql, f.payload)}, ${f.max_attempts},
              ${f.enabled}, ${f.misfire_policy}, ${f.backfill_limit}, ${f.next_run_at}, ${p.now}, ${p.now})
      RETURNING *`
    return rows[0] as ScheduleRow
  })

/** One schedule by name, or reason NotFound. */
export const scheduleGet = (sql: Sql, p: { readonly name: string }) =>
  classified(async () => {
    const rows = await sql<Array<ScheduleRow>>`SELECT * FROM schedules WHERE name = ${p.name}`
    if (rows.length === 0) throw notFound(p.name)
    return rows[0] as ScheduleRow
  })

/** Every schedule, by name. */
export const scheduleList = (sql: Sql) =>
  classified(async (): Promise<ReadonlyArray<ScheduleRow>> => await sql<Array<ScheduleRow>>`SELECT * FROM schedules ORDER BY name`)

/**
 * Read-modify-write under a row lock: `change` sees the current row and returns the new fields
 * (it may throw a StoreError, e.g. Validation, which aborts the change).
 */
export const scheduleUpdateWith = (
  sql: postgres.Sql,
  p: { readonly name: string; readonly now: Date; readonly change: (current: ScheduleRow) => ScheduleFields }
) =>
  classified(
    async () =>
      (await sql.begin(async (tx) => {
        const current = await tx<Array<ScheduleRow>>`SELECT * FROM schedules WHERE name = ${p.name} FOR UPDATE`
        if (current.length === 0) throw notFound(p.name)
        const fields = p.change(current[0] as ScheduleRow)
        const rows = await tx<Array<ScheduleRow>>`
          UPDATE schedules SET ${columns(tx, fields, p.now)} WHERE name = ${p.name} RETURNING *`
        return rows[0] as ScheduleRow
      })) as ScheduleRow
  )

/** Deletes a schedule and its ledger; reason NotFound when there was none. */
export const scheduleDelete = (sql: Sql, p: { readonly name: string }) =>
  classified(async () => {
    const rows = await sql`DELETE FROM schedules WHERE name = ${p.name} RETURNING name`
    if (rows.length === 0) throw notFound(p.name)
  })
