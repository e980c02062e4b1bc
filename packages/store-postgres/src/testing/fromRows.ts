import type postgres from "postgres"
import type { JobCounts } from "@leasehold/contracts"

/** One queue's finished jobs in one minute. */
export interface MinuteRow {
  readonly minute: Date
  readonly queue: string
  readonly completed: number
  readonly failed: number
}

/** The oracle of the counters: count(*) group by queue, status over the rows, every status present. */
export const countsFromRows = async (sql: postgres.Sql): Promise<Record<string, JobCounts>> => {
  const rows = await sql<{ queue: string; status: keyof JobCounts; n: number }[]>`
    select queue, status::text as status, count(*)::int as n from jobs group by 1, 2`
  const out: Record<string, Record<keyof JobCounts, number>> = {}
  for (const r of rows) (out[r.queue] ??= { blocked: 0, pending: 0, processing: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 })[r.status] = r.n
  return out
}

/** The oracle of the throughput buckets: completed and failed rows per (minute finished, queue). */
export const finishedPerMinute = (sql: postgres.Sql) =>
  sql<MinuteRow[]>`
    select leasehold_finish_minute(completed_at, updated_at) as minute, queue,
           count(*) filter (where status = 'completed')::int as completed, count(*) filter (where status = 'failed')::int as failed
    from jobs where status in ('completed', 'failed') group by 1, 2 order by 1, 2`

/** The throughput buckets as kept (summed over slots), nonzero ones only, like `finishedPerMinute`. */
export const bucketsPerMinute = (sql: postgres.Sql) =>
  sql<MinuteRow[]>`
    select minute, queue, sum(completed)::int as completed, sum(failed)::int as failed
    from job_throughput group by 1, 2 having sum(completed) <> 0 or sum(failed) <> 0 order by 1, 2`

/** Rows of `finishedPerMinute` summed over queues, by minute start (ms): what one entry of GET /stats/throughput should say. */
export const totalsByMinute = (rows: ReadonlyArray<MinuteRow>): Map<number, { completed: number; failed: number }> => {
  const out = new Map<number, { completed: number; failed: number }>()
  for (const r of rows) {
    const m = out.get(r.minute.getTime()) ?? { completed: 0, failed: 0 }
    out.set(r.minute.getTime(), { completed: m.completed + r.completed, failed: m.failed + r.failed })
  }
  return out
}
