import type postgres from "postgres"
import type { LeaseRow } from "../rows.ts"
import { keyedCandidate, keyedColumn, keyedOutput, keyedPick, keyedCarveGuard } from "./keyedLease.ts"
import { flowClock, flowKeyLimit, flowLimit, flowPassOn, flowRoomClose, flowRoomOpen, flowWindow, type FlowStatement } from "./controlledLease.ts"

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
  /**
   * False on the common path: queues that are paused or have a limit are left out (a queue with a
   * settings row that controls it is leased only through flowControl.ts, which sets this to true
   * after locking that row).
   */
  readonly controlled?: boolean
  /**
   * Set only by flowControl.ts's pipelined lease (with `controlled`, in a statement after the one that
   * locked the queue's settings row): the statement reads its clock, room and per-key limit from that
   * row and records the rate window itself (see controlledLease.ts). Candidates whose key is full are
   * skipped, and the batch takes at most K - live jobs per key, in lease order (see keyedLease.ts).
   */
  readonly flow?: FlowStatement
  /**
   * The statement runs alone, as its own transaction: it commits asynchronously (synchronous_commit
   * off for that transaction only, set in `g`), so the answer does not wait for a WAL flush. What a
   * PostgreSQL crash can cost is the last moments' leases: their jobs are leased again and may run
   * twice, as after any expiry (at-least-once), and their holders' acks answer lease_lost. Never set
   * when the statement shares a transaction with writes that must stay durable (acks on a lease).
   */
  readonly asyncCommit?: boolean
}

/**
 * Leases up to maxJobs in ONE statement (one round trip, one transaction):
 *  - `g` validates requested_batch_size first (raising 22023 aborts the whole statement: nothing leased);
 *  - `qs` leaves out queues whose settings control them (paused or limited: see flowControl.ts) or that
 *    hold keyed jobs (concurrency_key, default limit 1 per key): one primary-key probe of queue_settings
 *    and one probe of the (for them empty) jobs_concurrency_key_idx per queue, so queues without settings
 *    or keys pay nothing more; the answer names those queues (`controlled`), and the caller leases them
 *    through flowControl.ts;
 *  - `c` walks each queue's partial index in lease order with FOR UPDATE SKIP LOCKED, plus that queue's
 *    expired leases with attempts left, and keeps the best maxJobs overall;
 *  - `upd` hands each a fresh random token, attempts + 1, expiry = now + lease seconds; the duration
 *    itself is not stored (it is lease_expires_at - updated_at: see JobRow in rows.ts), 8 bytes less WAL per lease;
 *  - only when that found fewer than maxJobs, `carved` calls leasehold_carve (migration 0002) inside
 *    this same statement: it locks the queues' open scans FOR UPDATE, moves their cursors and inserts
 *    the carved batches already leased.
 * Each row carries the leased job as the wire shows it, built by PostgreSQL as one `json` value
 * (timestamps as RFC 3339 UTC with milliseconds, `renew_after` half-way through the lease): the client
 * parses one JSON text per job instead of decoding some twenty columns (three of them jsonb) and
 * assembling the object; measured with `pnpm bench`. The value is `row_to_json` of the lateral `w`,
 * whose columns are the wire's fields in the wire's order: compact text (json_build_object writes
 * `"key" : value, ` with spaces, about 10 % more bytes to send and parse) and cheaper to build
 * (measured on PG 15, 200,000 rows of ten fields: 0.6 µs less per row). Beside it, the few columns
 * the caller orders and routes by: id, priority, run_at (epoch ms) and workflow_id.
 */
export const leaseJobs = (sql: postgres.Sql, p: LeaseInput) => {
  const queues = p.queues as string[]
  const types = p.types as string[] | null
  const f = p.flow
  const k = flowKeyLimit(sql, f)
  const limit = () => flowLimit(sql, f, p.maxJobs)
  return sql<Array<LeaseRow & { controlled_queues: string[]; held?: number }>>`
    with g as materialized (${flowRoomOpen(sql, f)}
      select coalesce(${p.now}::timestamptz, ${flowClock(sql, f)}) as now,
             case when ${p.requestedBatchSize}::bigint is null then true
                  else leasehold_check_batch_size(${p.requestedBatchSize}::bigint, ${queues}::text[],
                                                  ${types}::text[], ${p.serverMaxBatchSize}::bigint) end as ok${
               p.asyncCommit ? sql`, set_config('synchronous_commit', 'off', true) as async_commit` : sql``}${flowRoomClose(sql, f, p.maxJobs)}
    ),
    qs as materialized (
      select coalesce(array_agg(q.name) filter (where not q.ctl), '{}'::text[]) as names,
             coalesce(array_agg(q.name) filter (where q.ctl), '{}'::text[]) as excluded
      from (select q.name, not ${p.controlled ?? false}::boolean and (exists (
              select 1 from queue_settings s where s.name = q.name
                and (s.paused or s.max_concurrency is not null or s.rate_limit is not null))
              or exists (select 1 from jobs kj where kj.queue = q.name and kj.concurrency_key is not null
                and kj.status in ('pending', 'retrying', 'processing'))) as ctl
            from unnest(${queues}::text[]) q(name)) q
    ),
    c as materialized (
      select x.id${keyedColumn(sql, k, "x")} from g cross join qs cross join unnest(qs.names) q(name)
      cross join lateral (
        select * from (
          select j.id, j.priority, j.run_at${keyedColumn(sql, k)} from jobs j
          where j.queue = q.name and j.status in ('pending', 'retrying') and j.run_at <= g.now
            and (${types}::text[] is null or j.type = any(${types}::text[]))${keyedCandidate(sql, k)}
          order by j.priority desc, j.run_at, j.id
          limit ${limit()}
          for update of j skip locked
        ) ready
        union all
        select * from (
          select j.id, j.priority, j.run_at${keyedColumn(sql, k)} from jobs j
          where j.queue = q.name and j.status = 'processing' and j.lease_expires_at < g.now
            and j.attempts < j.max_attempts
            and (${types}::text[] is null or j.type = any(${types}::text[]))${keyedCandidate(sql, k)}
          order by j.priority desc, j.run_at, j.id
          limit ${limit()}
          for update of j skip locked
        ) expired
      ) x
      where g.ok
      order by x.priority desc, x.run_at, x.id
      limit ${limit()}
    ),${keyedPick(sql, k)}
    upd as (
      update jobs j set status = 'processing', attempts = j.attempts + 1, lease_seconds = null,
             leased_at = g.now, lease_expires_at = g.now + make_interval(secs => ${p.leaseSeconds}),
             updated_at = g.now, lease_token = gen_random_uuid(), worker_id = ${p.workerId}
      from g
      where j.id = any(array(select c.id from ${k === undefined ? sql`c` : sql`pick`} c))
      returning j.*
    ),
    need as (select ${limit()}::int - (select count(*)::int from upd) as n),
    carved as (
      select cv.* from need cross join g
      cross join lateral leasehold_carve(need.n, (select qs.names from qs), ${types}::text[], ${p.requestedBatchSize}::bigint,
                                         ${p.workerId}, ${p.leaseSeconds}::int, g.now) cv
      where need.n > 0${keyedCarveGuard(sql, k)}
    )${flowWindow(sql, f)}
    select r.id, r.priority, r.workflow_id,
           (date_part('epoch', r.run_at) * 1e6)::int8 / 1000 as run_at_ms,
           case when r.id is not null then row_to_json(w) end as job,
           qs.excluded as controlled_queues${keyedOutput(sql, k)}${flowPassOn(sql, f)}
    from qs left join (select * from upd union all select * from carved) r on true
    cross join lateral (
      select r.id, r.queue, r.type, r.payload, r.status, r.priority,
             to_char(r.run_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as run_at, r.attempts,
             r.max_attempts, r.worker_id,
             to_char(r.lease_expires_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as lease_expires_at, r.last_error,
             coalesce(r.errors, '[]'::jsonb) as errors, r.result, r.idempotency_key,
             r.scan, to_char(r.created_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as created_at,
             to_char(r.updated_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as updated_at,
             null::text as completed_at, r.workflow_id, r.key, r.concurrency_key,
             coalesce(to_jsonb(r.depends_on), '[]'::jsonb) as depends_on, r.lease_token,
             to_char((r.lease_expires_at - ${p.leaseSeconds}::int * interval '500 milliseconds') at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"') as renew_after
    ) w
    order by r.priority desc, r.run_at, r.id`
}

/** What one lease statement answers: the leased rows, and the requested queues it left to flowControl.ts. */
export interface LeaseResult {
  readonly rows: ReadonlyArray<LeaseRow>
  readonly controlled: ReadonlyArray<string>
}

/** A lease statement's raw answer: leased rows, each carrying the controlled queues it left out. */
export type RawLease = ReadonlyArray<LeaseRow & { readonly controlled_queues: ReadonlyArray<string> }>

/**
 * Splits the raw answer (at least one row: qs left join the leases, so `controlled` arrives even when
 * nothing was leased). Applied by the caller, never with `.then` on the query itself: that would send
 * it at once, ahead of statements built before it in a pipelined transaction.
 */
export const splitLease = (raw: RawLease): LeaseResult => ({
  rows: raw[0]?.id === null || raw[0]?.id === undefined ? [] : raw,
  controlled: raw[0]?.controlled_queues ?? []
})
