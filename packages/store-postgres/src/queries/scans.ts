import type postgres from "postgres"

/** A scan row with its batches aggregated by status. */
export interface ScanRow {
  readonly name: string
  readonly queue: string
  readonly type: string
  readonly range_start: number
  readonly range_end: number
  readonly cursor_pos: number
  readonly default_batch_size: number
  readonly max_batch_size: number
  readonly paused: boolean
  readonly pending: number
  readonly processing: number
  readonly retrying: number
  readonly completed: number
  readonly failed: number
  readonly cancelled: number
  readonly completed_units: number
  readonly failed_units: number
}

/** A validated scan to insert. */
export interface ScanInsert {
  readonly name: string
  readonly type: string
  readonly queue: string
  readonly start: number
  readonly end: number
  readonly defaultBatchSize: number
  readonly maxBatchSize: number
  readonly payload: Record<string, unknown>
  readonly maxAttempts: number
}

const withBatches = (sql: postgres.Sql) => sql`
  select s.name, s.queue, s.type, s.range_start, s.range_end, s.cursor_pos, s.default_batch_size,
         s.max_batch_size, s.paused,
         coalesce(b.pending, 0)::int as pending, coalesce(b.processing, 0)::int as processing,
         coalesce(b.retrying, 0)::int as retrying, coalesce(b.completed, 0)::int as completed,
         coalesce(b.failed, 0)::int as failed, coalesce(b.cancelled, 0)::int as cancelled,
         coalesce(b.completed_units, 0)::bigint as completed_units, coalesce(b.failed_units, 0)::bigint as failed_units
  from scans s
  left join lateral (
    select count(*) filter (where j.status = 'pending') as pending,
           count(*) filter (where j.status = 'processing') as processing,
           count(*) filter (where j.status = 'retrying') as retrying,
           count(*) filter (where j.status = 'completed') as completed,
           count(*) filter (where j.status = 'failed') as failed,
           count(*) filter (where j.status = 'cancelled') as cancelled,
           sum(j.scan_end - j.scan_start) filter (where j.status = 'completed') as completed_units,
           sum(j.scan_end - j.scan_start) filter (where j.status = 'failed') as failed_units
    from jobs j where j.scan = s.name
  ) b on true`

/** Inserts a scan; a taken name surfaces as 23505 (Conflict). */
export const insertScan = (sql: postgres.Sql, s: ScanInsert, now: Date | null) => sql`
  insert into scans (name, queue, type, range_start, range_end, cursor_pos, default_batch_size, max_batch_size,
                     payload, max_attempts, created_at, updated_at)
  values (${s.name}, ${s.queue}, ${s.type}, ${s.start}::bigint, ${s.end}::bigint, ${s.start}::bigint,
          ${s.defaultBatchSize}::bigint, ${s.maxBatchSize}::bigint, ${sql.json(s.payload as never)}::jsonb,
          ${s.maxAttempts}, coalesce(${now}::timestamptz, now()), coalesce(${now}::timestamptz, now()))`

/** One scan with its batch counts. */
export const getScan = (sql: postgres.Sql, name: string) =>
  sql<ScanRow[]>`${withBatches(sql)} where s.name = ${name}`

/** Every scan, oldest first. */
export const listScans = (sql: postgres.Sql) => sql<ScanRow[]>`${withBatches(sql)} order by s.id`

/** Pauses or resumes carving; returns whether the scan exists. */
export const setScanPaused = (sql: postgres.Sql, name: string, paused: boolean) =>
  sql`update scans set paused = ${paused}, updated_at = now() where name = ${name} returning id`
