import type postgres from "postgres"
import type { JobStatus } from "@leasehold/contracts"
import { JOBS_CHANNEL } from "../listenJobs.ts"

/** The admin transitions a bulk operation applies. */
export type BulkEvent = "cancel" | "retry"

/** The statuses each transition starts from (SPEC: Cancel, Admin retry; the lifecycle machine agrees). */
export const BULK_FROM: Record<BulkEvent, ReadonlyArray<JobStatus>> = {
  cancel: ["blocked", "pending", "retrying", "processing"],
  retry: ["failed", "cancelled", "retrying"]
}

/**
 * Jobs one bulk-by-filter statement changes. Each chunk is one short statement, so the row locks it holds
 * and the WAL it writes stay bounded (a lease waiting on one of its rows waits milliseconds, not the whole
 * operation), while 5,000 rows a statement keeps the round trips per million jobs at 200.
 */
export const BULK_CHUNK = 5_000

/** The SET list of each transition, exactly as the single-job cancelJob / retryJob write it. */
const setList = (sql: postgres.Sql, event: BulkEvent) =>
  event === "retry"
    ? sql`status = 'pending', run_at = t.now, attempts = 0, updated_at = t.now, completed_at = null`
    : sql`status = 'cancelled', updated_at = t.now, completed_at = t.now, lease_token = null, lease_expires_at = null, worker_id = null`

/**
 * Settles the workflow jobs a bulk operation moved, in its transaction (migration 0030): a cancel settles
 * their dependents, a retry reopens them with the dependents their end cancelled. Plain jobs never call it.
 */
const workflowHook = (sql: postgres.Sql, event: BulkEvent) =>
  event === "retry"
    ? sql`select leasehold_workflow_reopen(array_agg(u.id order by u.id), (select now from t)) as n
          from upd u where u.workflow_id is not null having count(*) > 0`
    : sql`select leasehold_workflow_settle(array_agg(u.id order by u.id), (select now from t)) as n
          from upd u where u.workflow_id is not null having count(*) > 0`

/**
 * Locks the rows the transition may move, in id order, re-checking their status after any wait: two bulk
 * operations over overlapping ids then queue behind each other instead of deadlocking (an UPDATE ... FROM
 * locks in whatever order its join produces).
 */
const lockInIdOrder = (sql: postgres.Sql, from: ReadonlyArray<JobStatus>, ids: postgres.PendingQuery<postgres.Row[]>) => sql`
  select j.id from jobs j
  where j.id in (${ids}) and j.status = any(${from as JobStatus[]}::text[]::job_status[])
  order by j.id
  for update of j`

/** One row per distinct requested id: `updated`, `illegal` (exists in another status) or `missing`. */
export type BulkIdRow = { readonly id: number; readonly outcome: "updated" | "illegal" | "missing"; readonly status: JobStatus | null }

/**
 * The CTEs both bulk statements end with, after `t` and `locked`: `upd` applies the event to the locked
 * rows, `notified` wakes long-polls on retried queues, `wf` settles or reopens their workflow dependents.
 */
const applyToLocked = (sql: postgres.Sql, event: BulkEvent) => sql`
  upd as (
    update jobs j set ${setList(sql, event)}
    from t, locked
    where j.id = locked.id
    returning j.id, j.queue, j.workflow_id
  ),
  notified as (
    select count(pg_notify(${JOBS_CHANNEL}, q.queue)) as n
    from (select distinct queue from upd where ${event === "retry"}) q
  ),
  wf as (${workflowHook(sql, event)})`

/** Applies `event` to every listed id in one statement; retried queues are notified so long-polls wake. */
export const bulkByIds = (sql: postgres.Sql, event: BulkEvent, ids: ReadonlyArray<number>, now: Date | null) => sql<BulkIdRow[]>`
  with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
  req as materialized (select distinct u.id from unnest(${ids as number[]}::bigint[]) as u(id)),
  locked as materialized (${lockInIdOrder(sql, BULK_FROM[event], sql`select id from req`)}),
  ${applyToLocked(sql, event)}
  select r.id,
         case when u.id is not null then 'updated' when j.id is not null then 'illegal' else 'missing' end as outcome,
         j.status
  from req r left join upd u on u.id = r.id left join jobs j on j.id = r.id
  where (select n from notified) >= 0 and (select count(*) from wf) >= 0`

/** The filter of a bulk-by-filter operation, with the statuses it may start from already intersected. */
export interface BulkSelection {
  readonly from: ReadonlyArray<JobStatus>
  readonly queue: string | null
  readonly type: string | null
}

/** Applies `event` to the next chunk of matching jobs after id `after`; answers how many changed, were seen, and the last id seen. */
export const bulkChunk = (sql: postgres.Sql, event: BulkEvent, s: BulkSelection, after: number, now: Date | null) =>
  sql<{ changed: number; seen: number; last: number | null }[]>`
    with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
    c as materialized (
      select id from jobs
      where id > ${after} and status = any(${s.from as JobStatus[]}::text[]::job_status[])
        and (${s.queue}::text is null or queue = ${s.queue}::text) and (${s.type}::text is null or type = ${s.type}::text)
      order by id
      limit ${BULK_CHUNK}
    ),
    locked as materialized (${lockInIdOrder(sql, s.from, sql`select id from c`)}),
    ${applyToLocked(sql, event)}
    select (select count(*) from upd)::int as changed, (select count(*) from c)::int as seen, (select max(id) from c) as last
    where (select n from notified) >= 0 and (select count(*) from wf) >= 0`

/** How many jobs a bulk-by-filter operation would change now (its dry run). */
export const bulkCount = (sql: postgres.Sql, s: BulkSelection) => sql<{ n: number }[]>`
  select count(*)::int as n from jobs
  where status = any(${s.from as JobStatus[]}::text[]::job_status[])
    and (${s.queue}::text is null or queue = ${s.queue}::text) and (${s.type}::text is null or type = ${s.type}::text)`
