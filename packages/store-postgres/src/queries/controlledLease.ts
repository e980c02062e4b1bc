import type postgres from "postgres"

/**
 * One queue's lease statement in flowControl.ts's pipelined transaction: it runs after the statement
 * that locked the queue's settings row FOR UPDATE, and reads its clock, its room and its key limit from
 * that row itself, so the whole controlled lease is one round trip (nothing comes back to the client
 * between the lock and the lease).
 */
export interface FlowStatement {
  /** The queue (the statement leases from it alone). */
  readonly queue: string
  /** SPEC: jobs sharing a concurrency_key run one at a time unless the queue's key_concurrency says more. */
  readonly defaultKeyLimit: number
  /** An earlier statement of this transaction leased from another queue: take at most what it left of max_jobs. */
  readonly afterOthers: boolean
  /** A later statement follows: pass the jobs leased so far on to it. */
  readonly passOn: boolean
}

/** The transaction-local count of jobs leased by this transaction's earlier lease statements. */
const LEASED = "leasehold.leased"

/**
 * The clock of a controlled statement: read when it starts, after the lock statement completed (the
 * previous holder of the lock committed before that, so its leases' leased_at and its rate window are
 * never later than ours; the transaction's start could be, and reopen a past window). Tests pass `now`.
 */
export const flowClock = (sql: postgres.Sql, f: FlowStatement | undefined) => (f === undefined ? sql`now()` : sql`clock_timestamp()`)

/**
 * Wraps `g` (one row: now, ok) with the queue's room, read from its locked settings row. In READ
 * COMMITTED every statement takes a fresh snapshot when it starts; this one starts after the lock
 * statement completed, so it sees every lease committed by the previous holder of the lock, and none
 * can commit on the queue before this transaction does: the count below is exact until commit.
 *  - room: max_jobs (less what earlier statements leased), max_concurrency - live leases (processing,
 *    expiry not passed: jobs_processing_idx, paid only by queues with a max_concurrency), rate_limit -
 *    the leases of the current window; 0 when paused; never negative;
 *  - key_limit: the queue's key_concurrency or the default;
 *  - window_start / window_used: the fixed window (epoch aligned to period_ms) holding now, and the
 *    leases already granted in it (`flowWindow` records the new total).
 */
export const flowRoomOpen = (sql: postgres.Sql, f: FlowStatement | undefined) => (f === undefined ? sql`` : sql`
      select g0.*, case when s.paused then 0 else greatest(0, least(
               g0.max_jobs - g0.before,
               case when s.max_concurrency is not null then s.max_concurrency - (
                 select count(*)::int from jobs lj
                 where lj.status = 'processing' and lj.lease_expires_at >= g0.now and lj.queue = s.name) end,
               s.rate_limit - w.used)) end as room,
             coalesce(s.key_concurrency, ${f.defaultKeyLimit}::int) as key_limit, w.start as window_start, w.used as window_used
      from (`)

/** Closes `flowRoomOpen` (the inner select carries max_jobs and before). */
export const flowRoomClose = (sql: postgres.Sql, f: FlowStatement | undefined, maxJobs: number) => (f === undefined ? sql`` : sql`,
             ${maxJobs}::int as max_jobs,
             ${f.afterOthers ? sql`coalesce(nullif(current_setting(${LEASED}, true), ''), '0')::int` : sql`0`} as before
      ) g0
      left join queue_settings s on s.name = ${f.queue}
      left join lateral (
        select ws.start, case when s.window_start >= ws.start then s.window_count else 0 end as used
        from (select to_timestamp(floor(extract(epoch from g0.now) * 1000 / s.rate_period_ms) * s.rate_period_ms / 1000.0) as start) ws
        where s.rate_limit is not null
      ) w on true`)

/** How many jobs the statement may lease: max_jobs, or the room `g` computed. */
export const flowLimit = (sql: postgres.Sql, f: FlowStatement | undefined, maxJobs: number) =>
  f === undefined ? sql`${maxJobs}` : sql`(select g.room from g)`

/** The per-key limit on the controlled path: the statement's own reading of the locked row. */
export const flowKeyLimit = (sql: postgres.Sql, f: FlowStatement | undefined) => (f === undefined ? undefined : sql`g.key_limit`)

/**
 * After `carved`: the jobs leased by this statement, the rate window's new count (in the same
 * statement: a data-modifying CTE always runs to completion), and for a later statement the running total.
 */
export const flowWindow = (sql: postgres.Sql, f: FlowStatement | undefined) => (f === undefined ? sql`` : sql`,
    leased as materialized (select (select count(*) from upd)::int + (select count(*) from carved)::int as n),
    win as (
      update queue_settings s set window_start = g.window_start, window_count = g.window_used + leased.n
      from g cross join leased
      where s.name = ${f.queue} and g.window_start is not null and leased.n > 0
    )`)

/** The running total of leased jobs, for the next statement of the transaction (only when one follows). */
export const flowPassOn = (sql: postgres.Sql, f: FlowStatement | undefined) =>
  f === undefined || !f.passOn ? sql`` : sql`,
           (select set_config(${LEASED}, ((select g.before from g) + (select leased.n from leased))::text, true)) as leased_so_far`
