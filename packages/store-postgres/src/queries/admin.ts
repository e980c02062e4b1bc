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

/** Deletes finished jobs outside workflows (pruneWorkflows takes those) whose completion is older than `before` (a completed job's is its updated_at); returns how many went. */
export const pruneFinished = (sql: postgres.Sql, before: Date, limit: number) => sql<{ n: number }[]>`
  with c as (
    select id from jobs
    where status in ('completed', 'failed', 'cancelled') and coalesce(completed_at, updated_at) < ${before}::timestamptz
      and workflow_id is null
    limit ${limit}
  ),
  del as (delete from jobs j using c where j.id = c.id returning 1)
  select count(*)::int as n from del`
