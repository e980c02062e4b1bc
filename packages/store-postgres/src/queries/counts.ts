import type postgres from "postgres"
import type { JobStatus } from "@leasehold/contracts"
import { pendingPriorities } from "./reads.ts"

/** Exact counts per queue and status: the sum of the counter slots kept by the jobs triggers (migration 0020). */
export const statusCounts = (sql: postgres.Sql, queue: string | null) =>
  sql<{ queue: string; status: JobStatus; n: number }[]>`
    select queue, status, sum(n)::int8 as n from job_counts
    where (${queue}::text is null or queue = ${queue}::text)
    group by queue, status
    having sum(n) <> 0`

/**
 * Per queue, the run_at of the oldest due pending job, and the number of expired leases. The first walks
 * jobs_leasable_idx (queue, priority desc, run_at, id) as a skip scan: one descent per distinct priority
 * of each queue that has pending jobs, then the first due pending entry in run_at order; the second
 * counts the expired range of jobs_processing_idx. Both read what they return, not the table.
 */
export const pendingAges = (sql: postgres.Sql, queues: ReadonlyArray<string>, now: Date | null) =>
  sql<{ queue: string | null; oldest_due: Date | null; expired: number; now: Date }[]>`
    with recursive t as materialized (select coalesce(${now}::timestamptz, now()) as now),
    ${pendingPriorities(sql, queues)}
    select p.queue, min(r.run_at) as oldest_due, 0::int8 as expired, t.now
    from p cross join t cross join lateral (
      select j.run_at from jobs j
      where j.queue = p.queue and j.priority = p.priority and j.status in ('pending', 'retrying')
        and j.status = 'pending' and j.run_at <= t.now
      order by j.priority desc, j.run_at, j.id limit 1
    ) r
    where p.priority is not null
    group by p.queue, t.now
    union all
    select null, null, count(*)::int8, t.now
    from jobs j cross join t
    where j.status = 'processing' and j.lease_expires_at < t.now
    group by t.now`

/**
 * Completed and failed jobs per minute, oldest first, `minutes` entries ending with the current (partial)
 * minute, zeros included: one primary-key range of job_throughput, summed over slots and queues.
 */
export const throughputMinutes = (sql: postgres.Sql, minutes: number, queue: string | null, now: Date | null) =>
  sql<{ at: Date; completed: number; failed: number }[]>`
    with t as materialized (
      select date_bin('1 minute', coalesce(${now}::timestamptz, now()), timestamptz '2000-01-01 00:00:00+00') as cur
    ),
    b as (
      select h.minute, sum(h.completed)::int8 as completed, sum(h.failed)::int8 as failed
      from job_throughput h cross join t
      where h.minute > t.cur - make_interval(mins => ${minutes}::int) and h.minute <= t.cur
        and (${queue}::text is null or h.queue = ${queue}::text)
      group by h.minute
    )
    select m.at, coalesce(b.completed, 0)::int8 as completed, coalesce(b.failed, 0)::int8 as failed
    from t cross join generate_series(t.cur - make_interval(mins => ${minutes}::int - 1), t.cur, interval '1 minute') m(at)
    left join b on b.minute = m.at
    order by m.at`

/** The most minutes GET /stats/throughput returns: older buckets are never read (compaction drops them). */
export const THROUGHPUT_MAX_MINUTES = 1440

/**
 * Slots that may have counter rows to fold or buckets to drop: every slot with rows, and slot 0 last (its
 * old buckets and the zero rows the folds before it left).
 */
export const slotsToCompact = (sql: postgres.Sql) =>
  sql<{ slot: number }[]>`
    select slot from (select 0::int2 as slot union select slot from job_counts union select slot from job_throughput) s order by slot = 0, slot`

/** Folds one slot into slot 0 and drops its buckets older than the throughput window (migration 0022); -1 when a writer holds the slot. */
export const compactSlot = (sql: postgres.Sql, slot: number, now: Date | null) =>
  sql<{ moved: number }[]>`
    select leasehold_compact_slot(${slot}::int2, ${THROUGHPUT_MAX_MINUTES}::int, coalesce(${now}::timestamptz, now())) as moved`
