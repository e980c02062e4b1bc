import type { MisfirePolicy, Schedule } from "@leasehold/contracts"

/** A schedule as stored, with real `Date`s for the scheduler's arithmetic. */
export interface ScheduleRow {
  readonly name: string
  readonly cron: string
  readonly timezone: string
  readonly queue: string
  readonly type: string
  readonly payload: unknown
  readonly max_attempts: number
  readonly enabled: boolean
  readonly misfire_policy: MisfirePolicy
  readonly backfill_limit: number
  readonly next_run_at: Date | null
  readonly last_run_at: Date | null
  readonly created_at: Date
  readonly updated_at: Date
}

/** The writable fields of a schedule (everything the API may set, plus the computed next run). */
export type ScheduleFields = Pick<
  ScheduleRow,
  "cron" | "timezone" | "queue" | "type" | "payload" | "max_attempts" | "enabled" | "misfire_policy" | "backfill_limit" | "next_run_at"
>

/** One row of the fire ledger: a tick that fired, the job spec captured then, and the job once enqueued. */
export interface FireRow {
  readonly schedule: string
  readonly tick_at: Date
  readonly fired_at: Date
  readonly missed_ticks: number
  readonly queue: string
  readonly type: string
  readonly payload: unknown
  readonly max_attempts: number
  readonly idempotency_key: string
  readonly job_id: number | null
  readonly enqueued_at: Date | null
}

/** RFC 3339 in UTC with `Z`, without a fraction when the instant is a whole second (cron ticks are). */
export const utcTimestamp = (d: Date): string => d.toISOString().replace(/\.000Z$/, "Z")

const iso = (d: Date | null): string | null => (d === null ? null : utcTimestamp(d))

/** The wire form of a stored schedule. */
export const scheduleToWire = (row: ScheduleRow): Schedule => ({
  name: row.name,
  cron: row.cron,
  timezone: row.timezone,
  queue: row.queue,
  type: row.type,
  payload: row.payload ?? null,
  max_attempts: row.max_attempts,
  enabled: row.enabled,
  misfire_policy: row.misfire_policy,
  backfill_limit: row.backfill_limit,
  next_run_at: iso(row.next_run_at),
  last_run_at: iso(row.last_run_at),
  created_at: row.created_at.toISOString(),
  updated_at: row.updated_at.toISOString()
})

/** The idempotency key of a tick's job (SPEC: `schedule:<name>:<tick as RFC 3339 UTC>`). */
export const fireIdempotencyKey = (schedule: string, tick: Date): string => `schedule:${schedule}:${utcTimestamp(tick)}`
