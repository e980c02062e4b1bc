import type postgres from "postgres"

/** The per-key limit: the controlled statement's own reading of the locked settings row (`g.key_limit`, see controlledLease.ts). */
export type KeyLimit = postgres.Fragment

/**
 * The per-key limit inside the lease statement (lease.ts), used only on the controlled path: flowControl.ts
 * holds the queue's settings row FOR UPDATE, so no other check-and-claim on the queue runs meanwhile and
 * the counts below stay exact until commit. Each fragment is empty when `k` is undefined, so the common
 * statement's text (and plan) is the one it always was.
 *
 * Live leases of a key are counted in jobs_concurrency_key_idx (migration 0041), one index range
 * (queue, key, 'processing', expiry >= now) stopped after K entries: never a count over the table.
 */
const liveOfKey = (sql: postgres.Sql, k: KeyLimit, row: string) => sql`(
  select count(*)::int from (
    select 1 from jobs l
    where l.queue = ${sql(row)}.queue and l.concurrency_key = ${sql(row)}.concurrency_key and l.concurrency_key is not null
      and l.status = 'processing' and l.lease_expires_at >= g.now
    limit ${k}
  ) l)`

/** The columns the keyed selection needs besides the id (in the candidate scans, and in `c` from `x`). */
export const keyedColumn = (sql: postgres.Sql, k: KeyLimit | undefined, from?: "x") =>
  k === undefined ? sql`` : from === "x" ? sql`, x.queue, x.concurrency_key, x.priority, x.run_at` : sql`, j.queue, j.concurrency_key`

/** A candidate passes when it has no key or its key has room: a full key's jobs are skipped, not blocked. */
export const keyedCandidate = (sql: postgres.Sql, k: KeyLimit | undefined) =>
  k === undefined ? sql`` : sql`
            and (j.concurrency_key is null or ${liveOfKey(sql, k, "j")} < ${k})`

/**
 * `pick`: of the candidates in `c`, every keyless one and, per key, the first K - live in lease order
 * (two candidates of one key may both have passed the scan's check, which saw neither leased).
 */
export const keyedPick = (sql: postgres.Sql, k: KeyLimit | undefined) =>
  k === undefined ? sql`` : sql`
    pick as materialized (
      select p.id from (
        select c.id, c.queue, c.concurrency_key,
               row_number() over (partition by c.concurrency_key order by c.priority desc, c.run_at, c.id) as rn
        from c
      ) p cross join g
      where p.concurrency_key is null or p.rn <= ${k} - ${liveOfKey(sql, k, "p")}
    ),`

/** Carve scan batches only when no candidate was held back by its key (those come first in lease order). */
export const keyedCarveGuard = (sql: postgres.Sql, k: KeyLimit | undefined) =>
  k === undefined ? sql`` : sql` and (select count(*) from c) = (select count(*) from pick)`

/** `held`: candidates passed over for their key in this statement (the caller leases again while > 0). */
export const keyedOutput = (sql: postgres.Sql, k: KeyLimit | undefined) =>
  k === undefined ? sql`` : sql`, (select count(*) from c)::int - (select count(*) from pick)::int as held`
