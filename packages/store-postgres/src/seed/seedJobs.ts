import type postgres from "postgres"
import { insertFinishedJobs, insertPendingJobs } from "./seedQueries.ts"

/** What `seedJobs` inserts. */
export interface SeedOptions {
  /** Finished jobs (completed, failed, cancelled), spread over the `days` before now. */
  readonly finished: number
  /** Pending jobs, created over the last 10 minutes. */
  readonly pending: number
  /** Days the finished jobs spread over; default 7 (the default retention). */
  readonly days?: number
  /** Rows per statement (and per transaction); default 50,000. */
  readonly chunk?: number
  /** The instant the seed is relative to; default now. */
  readonly now?: Date
  /** Called after each chunk. */
  readonly onProgress?: (p: SeedProgress) => void
}

/** Progress after one chunk. */
export interface SeedProgress {
  readonly phase: "finished" | "pending"
  readonly done: number
  readonly total: number
  readonly rowsPerSecond: number
}

/**
 * One statement (and transaction) per chunk: large enough that the per-statement trigger and the round
 * trip are noise, small enough that its transition table (the counting trigger's input) stays in a few
 * tens of MB and a failure loses one chunk.
 */
const DEFAULT_CHUNK = 50_000
/** Pending jobs were created over this span before now (a backlog of the last minutes). */
const PENDING_SPAN_MS = 10 * 60_000

/**
 * Fills a migrated database with realistic rows by set-based SQL (generate_series), chunk after chunk.
 * The counting triggers of migration 0020 run as for any insert, so counts, job kinds and throughput
 * buckets equal the rows after every committed chunk, without a recount. Safe beside a running master.
 * Returns the rows inserted and the seconds it took.
 */
export const seedJobs = async (sql: postgres.Sql, o: SeedOptions): Promise<{ rows: number; seconds: number }> => {
  const chunk = o.chunk ?? DEFAULT_CHUNK
  const now = o.now ?? new Date()
  const spanMs = (o.days ?? 7) * 86_400_000
  const start = new Date(now.getTime() - spanMs)
  const run = Date.now().toString(36)
  const started = performance.now()
  let rows = 0
  const phase = async (name: SeedProgress["phase"], total: number, insert: (from: number, to: number) => Promise<unknown>) => {
    for (let from = 0; from < total; from += chunk) {
      const to = Math.min(total, from + chunk) - 1
      await insert(from, to)
      rows += to - from + 1
      o.onProgress?.({ phase: name, done: to + 1, total, rowsPerSecond: rows / ((performance.now() - started) / 1000) })
    }
  }
  // A seed needs no wait for each chunk's WAL flush: a crash loses chunks, never consistency.
  const tx = (insert: (tx: postgres.Sql) => Promise<unknown>) =>
    sql.begin(async (t) => {
      await t`set local synchronous_commit = off`
      await insert(t as unknown as postgres.Sql)
    })
  await phase("finished", o.finished, (from, to) => tx((t) => insertFinishedJobs(t, { from, to, total: o.finished, start, spanMs, run })))
  await phase("pending", o.pending, (from, to) => tx((t) => insertPendingJobs(t, { from, to, total: o.pending, end: now, spanMs: PENDING_SPAN_MS })))
  return { rows, seconds: (performance.now() - started) / 1000 }
}
