import type postgres from "postgres"
import type { JobRow } from "../rows.ts"

/** Inputs of one lease statement. */
export interface LeaseInput {
  readonly workerId: string
  readonly queues: ReadonlyArray<string>
  readonly types: ReadonlyArray<string> | null
  readonly maxJobs: number
  readonly leaseSeconds: number
  readonly requestedBatchSize: number | null
  readonly serverMaxBatchSize: number
  readonly now: Date | null
}

/**
 * Leases up to maxJobs in ONE statement (one round trip, one transaction):
 *  - `g` validates requested_batch_size first (raising 22023 aborts the whole statement: nothing leased);
 *  - `c` walks each queue's partial index in lease order with FOR UPDATE SKIP LOCKED, plus that queue's
 *    expired leases with attempts left, and keeps the best maxJobs overall;
 *  - `upd` hands each a fresh random token, attempts + 1, expiry = now + lease seconds;
 *  - when that found fewer than maxJobs, `s` locks the queues' open scans with a plain FOR UPDATE
 *    (SKIP LOCKED could pass over a scan that still has work and return short), `adv` moves each
 *    cursor forward and `ins` inserts the carved batches already leased. Under READ COMMITTED the
 *    locked scan row is the latest committed version, so concurrent carvers never overlap or leave gaps.
 */
export const leaseJobs = (sql: postgres.Sql, p: LeaseInput) => {
  const queues = p.queues as string[]
  const types = p.types as string[] | null
  return sql<JobRow[]>`
    with g as materialized (
      select coalesce(${p.now}::timestamptz, now()) as now,
             case when ${p.requestedBatchSize}::bigint is null then true
                  else leasehold_check_batch_size(${p.requestedBatchSize}::bigint, ${queues}::text[],
                                                  ${types}::text[], ${p.serverMaxBatchSize}::bigint) end as ok
    ),
    c as materialized (
      select x.id from g cross join unnest(${queues}::text[]) q(name)
      cross join lateral (
        select * from (
          select j.id, j.priority, j.run_at from jobs j
          where j.queue = q.name and j.status in ('pending', 'retrying') and j.run_at <= g.now
            and (${types}::text[] is null or j.type = any(${types}::text[]))
          order by j.priority desc, j.run_at, j.id
          limit ${p.maxJobs}
          for update of j skip locked
        ) ready
        union all
        select * from (
          select j.id, j.priority, j.run_at from jobs j
          where j.queue = q.name and j.status = 'processing' and j.lease_expires_at < g.now
            and j.attempts < j.max_attempts
            and (${types}::text[] is null or j.type = any(${types}::text[]))
          order by j.priority desc, j.run_at, j.id
          limit ${p.maxJobs}
          for update of j skip locked
        ) expired
      ) x
      where g.ok
      order by x.priority desc, x.run_at, x.id
      limit ${p.maxJobs}
    ),
    upd as (
      update jobs j set status = 'processing', attempts = j.attempts + 1, lease_seconds = ${p.leaseSeconds},
             leased_at = g.now, lease_expires_at = g.now + make_interval(secs => ${p.leaseSeconds}),
             updated_at = g.now, lease_token = gen_random_uuid(), worker_id = ${p.workerId}
      from g
      where j.id = any(array(select c.id from c))
      returning j.*
    ),
    need as (select ${p.maxJobs}::int - (select count(*)::int from upd) as n),
    s as materialized (
      select sc.id, sc.name, sc.queue, sc.type, sc.payload, sc.max_attempts, sc.cursor_pos, sc.range_end,
             least(coalesce(${p.requestedBatchSize}::bigint, sc.default_batch_size), sc.max_batch_size) as size
      from scans sc
      where (select n from need) > 0 and sc.queue = any(${queues}::text[]) and not sc.paused
        and sc.cursor_pos < sc.range_end and (${types}::text[] is null or sc.type = any(${types}::text[]))
      order by sc.id
      for update of sc
    ),
    cap as (
      select s.*, (s.range_end - s.cursor_pos + s.size - 1) / s.size as batches from s
    ),
    plan as (
      select cap.*, greatest(0, least(cap.batches, (select n from need) - coalesce(sum(cap.batches) over (
               order by cap.id rows between unbounded preceding and 1 preceding), 0)))::bigint as k
      from cap
    ),
    adv as (
      update scans sc set cursor_pos = least(pl.range_end, pl.cursor_pos + pl.k * pl.size), updated_at = g.now
      from plan pl cross join g
      where sc.id = pl.id and pl.k > 0
      returning sc.id
    ),
    ins as (
      insert into jobs (created_at, run_at, scan_start, scan_end, max_attempts, priority, queue, type, scan,
                        status, attempts, lease_seconds, leased_at, lease_expires_at, updated_at, lease_token,
                        worker_id, payload)
      select g.now, g.now, b.lo, b.hi, pl.max_attempts, 0, pl.queue, pl.type, pl.name,
             'processing', 1, ${p.leaseSeconds}, g.now, g.now + make_interval(secs => ${p.leaseSeconds}), g.now,
             gen_random_uuid(), ${p.workerId}, pl.payload || jsonb_build_object('start', b.lo, 'end', b.hi)
      from plan pl cross join g
      cross join lateral (
        select pl.cursor_pos + i * pl.size as lo, least(pl.cursor_pos + (i + 1) * pl.size, pl.range_end) as hi
        from generate_series(0, pl.k - 1) i
      ) b
      where pl.k > 0
      order by pl.id, b.lo
      returning *
    )
    select * from upd
    union all
    select * from ins
    order by priority desc, run_at, id`
}
