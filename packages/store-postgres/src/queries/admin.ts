import type postgres from "postgres"
import { JOBS_CHANNEL } from "../listenJobs.ts"
import type { JobRow } from "../rows.ts"

/** `updated`, or `illegal` when the job exists in a status the transition does not start from. */
export type AdminRow = JobRow & { readonly outcome: "updated" | "illegal" }

/** Cancel from blocked, pending, retrying or processing (a live lease is lost with it); a workflow job's dependents settle. */
export const cancelJob = (sql: postgres.Sql, id: number, now: Date | null) => sql<AdminRow[]>`
  with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
  upd as (
    update jobs j set status = 'cancelled', updated_at = t.now, completed_at = t.now,
           lease_token = null, lease_expires_at = null, worker_id = null
    from t
    where j.id = ${id} and j.status in ('blocked', 'pending', 'retrying', 'processing')
    returning j.*
  ),
  wf as (
    select leasehold_workflow_settle(array_agg(u.id order by u.id), (select now from t)) as n
    from upd u where u.workflow_id is not null and u.status in ('completed', 'failed', 'cancelled') having count(*) > 0
  )
  select 'updated' as outcome, * from upd where (select count(*) from wf) >= 0
  union all
  select 'illegal', j.* from jobs j where j.id = ${id} and not exists (select 1 from upd)`

/** Admin retry from failed, cancelled or retrying: pending, due now, attempts back to 0; a workflow job reopens (blocked while it waits) with the dependents its end cancelled. */
export const retryJob = (sql: postgres.Sql, id: number, now: Date | null) => sql<AdminRow[]>`
  with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
  upd as (
    update jobs j set status = 'pending', run_at = t.now, attempts = 0, updated_at = t.now, completed_at = null
    from t
    where j.id = ${id} and j.status in ('failed', 'cancelled', 'retrying')
    returning j.*
  ),
  notified as (select count(pg_notify(${JOBS_CHANNEL}, queue)) as n from upd),
  wf as (
    select leasehold_workflow_reopen(array_agg(u.id), (select now from t)) as n
    from upd u where u.workflow_id is not null having count(*) > 0
  )
  select 'updated' as outcome, * from upd where (select n from notified) >= 0 and (select count(*) from wf) >= 0
  union all
  select 'illegal', j.* from jobs j where j.id = ${id} and not exists (select 1 from upd)`

/** The sweeper: expired leases become retrying (due now, queues notified) or failed, with "lease expired" in the history. */
export const rescueExpired = (sql: postgres.Sql, limit: number, now: Date | null) =>
  sql<{ retried: number; failed: number }[]>`
    with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
    c as materialized (
      select j.id from jobs j, t
      where j.status = 'processing' and j.lease_expires_at < t.now
      order by j.lease_expires_at
      limit ${limit}
      for update of j skip locked
    ),
    upd as (
      update jobs j set
        status = case when j.attempts < j.max_attempts then 'retrying'::job_status else 'failed'::job_status end,
        run_at = case when j.attempts < j.max_attempts then t.now else j.run_at end,
        completed_at = case when j.attempts < j.max_attempts then null else t.now end,
        updated_at = t.now, lease_token = null, lease_expires_at = null, worker_id = null,
        last_error = 'lease expired',
        errors = coalesce(j.errors, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
          'attempt', j.attempts, 'message', 'lease expired',
          'at', to_char(t.now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
      from c cross join t
      where j.id = c.id
      returning j.id, j.status, j.queue, j.workflow_id
    ),
    wf as (
      select leasehold_workflow_settle(array_agg(u.id order by u.id), (select now from t)) as n
      from upd u where u.workflow_id is not null and u.status in ('completed', 'failed', 'cancelled') having count(*) > 0
    ),
    notified as (
      select count(pg_notify(${JOBS_CHANNEL}, q.queue)) as n
      from (select distinct queue from upd where status = 'retrying') q
    )
    select count(*) filter (where status = 'retrying')::int as retried,
           count(*) filter (where status = 'failed')::int as failed
    from upd
    where (select n from notified) >= 0 and (select count(*) from wf) >= 0`

/**
 * One bounded step of the pruner: the next `limit` jobs by id after `afterId` (the primary key, in order:
 * no index of its own, nothing added to the ack path), deleting those finished before `before`, outside
 * workflows (pruneWorkflows takes those whole). The window's end is found by an index-only scan of the
 * primary key (old finished pages are all-visible), and the delete walks that id range once: one probe
 * of the key and one heap visit per row (a join back to a materialized window cost twice that: 8.8 vs
 * 5.0 ms per 1,000 rows, README "Large tables"). The delete's own qualification is re-checked on the
 * latest version of a row it waits for, so a job retried meanwhile stays.
 * It commits asynchronously (synchronous_commit off for this transaction, set inside the statement): a
 * step lost in a crash only leaves rows that the next pass deletes, counters and rows together, and the
 * lease path's commits do not queue behind the pruner's flushes.
 * `past_cutoff`: the window's last job was created an hour or more after `before`. Ids follow creation
 * time (give or take a transaction), so with the database's clock every job old enough to prune sits
 * before that point and a pruner stops there instead of walking the whole table.
 */
export const pruneFinishedStep = (sql: postgres.Sql, before: Date, afterId: number, limit: number) =>
  sql<{ deleted: number; last_id: number | null; rows: number; past_cutoff: boolean }[]>`
    with w as (
      select max(id) as last_id, count(*)::int as rows
      from (select id from jobs where id > ${afterId} order by id limit ${limit}) x
    ),
    del as (
      delete from jobs j
      where j.id > ${afterId} and j.id <= (select last_id from w)
        and j.status in ('completed', 'failed', 'cancelled') and j.workflow_id is null
        and coalesce(j.completed_at, j.updated_at) < ${before}::timestamptz
      returning 1
    )
    select (select count(*) from del)::int as deleted, w.last_id, w.rows,
           exists (select 1 from jobs l where l.id = w.last_id and l.created_at >= ${before}::timestamptz + interval '1 hour') as past_cutoff,
           set_config('synchronous_commit', 'off', true) as async_commit
    from w`
