import type postgres from "postgres"
import { classified, jsonb } from "./classifyScheduleError.ts"
import { fireIdempotencyKey, type FireRow, type ScheduleRow } from "./ScheduleRow.ts"

/** What the scheduler decided for one due schedule: the ticks to fire now and the next run. */
export interface FirePlan {
  readonly fires: ReadonlyArray<{ readonly tickAt: Date; readonly missedTicks: number }>
  readonly nextRunAt: Date | null
}


const FIRE_COLUMNS = (sql: postgres.Sql | postgres.TransactionSql) => sql`
  schedule, tick_at, fired_at, missed_ticks, queue, type, payload, max_attempts, idempotency_key,
  job_id::float8 AS job_id, enqueued_at`

/**
 * Claims due schedules (`FOR UPDATE SKIP LOCKED`, so concurrent masters take disjoint rows), records
 * the planned ticks in the ledger (its primary key makes a tick fire at most once) and advances
 * `next_run_at`, all in one transaction. The jobs are enqueued afterwards from the ledger.
 */
export const scheduleFireDue = (
  sql: postgres.Sql,
  p: { readonly now: Date; readonly limit: number; readonly plan: (row: ScheduleRow) => FirePlan }
) =>
  classified(async () => {
    const outcome = await sql.begin(async (tx) => {
      const due = await tx<Array<ScheduleRow>>`
        SELECT * FROM schedules WHERE enabled AND next_run_at <= ${p.now}
        ORDER BY next_run_at, name LIMIT ${p.limit} FOR UPDATE SKIP LOCKED`
      let fired = 0
      for (const row of due) {
        const plan = p.plan(row)
        if (plan.fires.length > 0) {
          const inserted = await tx`
            INSERT INTO schedule_fires (schedule, tick_at, fired_at, missed_ticks, queue, type, payload, max_attempts, idempotency_key)
            SELECT ${row.name}, u.tick_at, ${p.now}, u.missed, ${row.queue}, ${row.type}, ${jsonb(tx, row.payload)},
                   ${row.max_attempts}, u.key
            FROM unnest(${plan.fires.map((f) => f.tickAt.toISOString())}::timestamptz[],
                        ${plan.fires.map((f) => f.missedTicks)}::int[],
                        ${plan.fires.map((f) => fireIdempotencyKey(row.name, f.tickAt))}::text[]) AS u(tick_at, missed, key)
            ON CONFLICT (schedule, tick_at) DO NOTHING
            RETURNING tick_at`
          fired += inserted.length
        }
        const lastTick = plan.fires.reduce<Date | null>((m, f) => (m === null || f.tickAt > m ? f.tickAt : m), null)
        await tx`
          UPDATE schedules SET next_run_at = ${plan.nextRunAt}, last_run_at = GREATEST(last_run_at, ${lastTick}::timestamptz)
          WHERE name = ${row.name}`
      }
      return { claimed: due.length, fired }
    })
    return outcome as { readonly claimed: number; readonly fired: number }
  })

/**
 * Enqueues ledger rows that have no job yet (the outbox): locks a page of them, hands them to
 * `enqueue` (idempotent by the tick's key, so a retry after a crash finds the same job) and records
 * the job ids, in one transaction. Returns how many rows it enqueued.
 */
export const fireEnqueuePending = (
  sql: postgres.Sql,
  p: {
    readonly now: Date
    readonly limit: number
    readonly enqueue: (fires: ReadonlyArray<FireRow>) => Promise<ReadonlyArray<number>>
  }
) =>
  classified(async () => {
    const count = await sql.begin(async (tx) => {
      const fires = await tx<Array<FireRow>>`
        SELECT ${FIRE_COLUMNS(tx)} FROM schedule_fires WHERE job_id IS NULL
        ORDER BY fired_at, schedule, tick_at LIMIT ${p.limit} FOR UPDATE SKIP LOCKED`
      if (fires.length === 0) return 0
      const ids = await p.enqueue(fires)
      await tx`
        UPDATE schedule_fires AS f SET job_id = u.job_id, enqueued_at = ${p.now}
        FROM unnest(${fires.map((f) => f.schedule)}::text[], ${fires.map((f) => f.tick_at.toISOString())}::timestamptz[],
                    ${ids.map(String)}::bigint[]) AS u(schedule, tick_at, job_id)
        WHERE f.schedule = u.schedule AND f.tick_at = u.tick_at`
      return fires.length
    })
    return count as number
  })

/** The ledger of one schedule (or all), oldest tick first. */
export const fireList = (sql: postgres.Sql | postgres.TransactionSql, p: { readonly schedule?: string | undefined }) =>
  classified(
    async (): Promise<ReadonlyArray<FireRow>> =>
      p.schedule === undefined
        ? await sql<Array<FireRow>>`SELECT ${FIRE_COLUMNS(sql)} FROM schedule_fires ORDER BY schedule, tick_at`
        : await sql<Array<FireRow>>`SELECT ${FIRE_COLUMNS(sql)} FROM schedule_fires WHERE schedule = ${p.schedule} ORDER BY tick_at`
  )

/** Deletes enqueued ledger rows whose tick is older than `before` (at most `limit`); returns how many. */
export const firePruneEnqueued = (sql: postgres.Sql, p: { readonly before: Date; readonly limit: number }) =>
  classified(async () => {
    const rows = await sql`
      DELETE FROM schedule_fires WHERE ctid IN (
        SELECT ctid FROM schedule_fires WHERE job_id IS NOT NULL AND tick_at < ${p.before} LIMIT ${p.limit})
      RETURNING 1`
    return rows.length
  })
