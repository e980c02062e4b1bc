import type postgres from "postgres"
import { limitLockTaken, limitedQueuesLocked, stillLiveIfLimited } from "./limitedRenew.ts"
import type { JobRow } from "../rows.ts"

/**
 * How a conditional write came out: `updated` (this call changed the row), `already` (completed
 * earlier with the same token by the same worker: idempotent), `lost` (the job exists but this token does not hold it).
 * No row at all means the job does not exist.
 */
export type Outcome = "updated" | "already" | "lost"
/** A job row tagged with how the write came out. */
export type OutcomeRow = JobRow & { readonly outcome: Outcome }

/** Proof of holding a lease, as every holder-only write takes it. */
export interface Proof {
  readonly id: number
  readonly workerId: string
  /** null when not a well-formed token: then it holds nothing. */
  readonly leaseToken: string | null
  readonly now: Date | null
}

/** Backoff knobs for fail: full jitter over base * 2^(attempt-1), capped. */
export interface Backoff {
  readonly baseMs: number
  readonly capMs: number
}

// Every statement that ends a job settles the dependents of the workflow jobs it ended, in its own
// transaction, through its `wf` CTE (leasehold_workflow_settle, migration 0030). A statement that ended no
// workflow job never calls it (the HAVING), so plain jobs pay one `workflow_id is not null` test per row.

/**
 * Complete if this token holds the job; the same token and worker completing again find `already`, the
 * same token from another worker `lost`. completed_at is derived (rows.ts).
 */
export const completeJob = (sql: postgres.Sql, p: Proof & { readonly result: unknown }) => sql<OutcomeRow[]>`
  with t as materialized (select coalesce(${p.now}::timestamptz, now()) as now),
  upd as (
    update jobs j set status = 'completed', updated_at = t.now, completed_token = j.lease_token,
           completed_worker = j.worker_id, lease_token = null, lease_expires_at = null, worker_id = null, result = ${sql.json(p.result as never)}::jsonb
    from t
    where j.id = ${p.id} and j.status = 'processing' and j.lease_token = ${p.leaseToken}::uuid
      and j.worker_id = ${p.workerId}
    returning j.*
  ),
  wf as (
    select leasehold_workflow_settle(array_agg(u.id order by u.id), (select now from t)) as n
    from upd u where u.workflow_id is not null and u.status in ('completed', 'failed', 'cancelled') having count(*) > 0
  )
  select 'updated' as outcome, * from upd where (select count(*) from wf) >= 0
  union all
  select case when j.status = 'completed' and j.completed_token = ${p.leaseToken}::uuid and j.completed_worker = ${p.workerId}
              then 'already' else 'lost' end,
         j.*
  from jobs j where j.id = ${p.id} and not exists (select 1 from upd)`

/** Fail an attempt: retrying after backoff (or retry_in_ms), or failed when exhausted or not retryable. */
export const failJob = (
  sql: postgres.Sql,
  p: Proof & { readonly message: string; readonly stack: string | null; readonly retryable: boolean; readonly retryInMs: number | null },
  backoff: Backoff
) => sql<OutcomeRow[]>`
  with t as materialized (select coalesce(${p.now}::timestamptz, now()) as now),
  upd as (
    update jobs j set
      status = case when not ${p.retryable}::boolean or j.attempts >= j.max_attempts then 'failed'::job_status
                    else 'retrying'::job_status end,
      run_at = case when not ${p.retryable}::boolean or j.attempts >= j.max_attempts then j.run_at
                    else t.now + make_interval(secs => coalesce(${p.retryInMs}::float8,
                      random() * least(${backoff.capMs}::float8, ${backoff.baseMs}::float8 * power(2::float8, j.attempts - 1))) / 1000.0)
               end,
      completed_at = case when not ${p.retryable}::boolean or j.attempts >= j.max_attempts then t.now end,
      updated_at = t.now, lease_token = null, lease_expires_at = null, worker_id = null,
      last_error = ${p.message}::text,
      errors = coalesce(j.errors, '[]'::jsonb) || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
        'attempt', j.attempts, 'message', ${p.message}::text,
        'at', to_char(t.now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'stack', ${p.stack}::text)))
    from t
    where j.id = ${p.id} and j.status = 'processing' and j.lease_token = ${p.leaseToken}::uuid
      and j.worker_id = ${p.workerId}
    returning j.*
  ),
  wf as (
    select leasehold_workflow_settle(array_agg(u.id order by u.id), (select now from t)) as n
    from upd u where u.workflow_id is not null and u.status in ('completed', 'failed', 'cancelled') having count(*) > 0
  )
  select 'updated' as outcome, * from upd where (select count(*) from wf) >= 0
  union all
  select 'lost', j.* from jobs j where j.id = ${p.id} and not exists (select 1 from upd)`

/** Give the job back: pending, the attempt not counted, the worker cleared. */
export const releaseJob = (sql: postgres.Sql, p: Proof) => sql<OutcomeRow[]>`
  with t as materialized (select coalesce(${p.now}::timestamptz, now()) as now),
  upd as (
    update jobs j set status = 'pending', attempts = j.attempts - 1, updated_at = t.now,
           lease_token = null, lease_expires_at = null, worker_id = null
    from t
    where j.id = ${p.id} and j.status = 'processing' and j.lease_token = ${p.leaseToken}::uuid
      and j.worker_id = ${p.workerId}
    returning j.*
  ),
  notified as (select count(pg_notify('leasehold_jobs', queue)) as n from upd)
  select 'updated' as outcome, * from upd where (select n from notified) >= 0
  union all
  select 'lost', j.* from jobs j where j.id = ${p.id} and not exists (select 1 from upd)`

/** Extend a lease; without lease seconds the lease keeps its own duration (`lease_expires_at - updated_at`). */
export const renewJob = (sql: postgres.Sql, p: Proof & { readonly leaseSeconds: number | null }) => sql<
  { outcome: Outcome; lease_expires_at: Date | null; lease_seconds: number | null }[]
>`
  with t as materialized (select coalesce(${p.now}::timestamptz, now()) as now),${limitedQueuesLocked(sql, [p.id])}
  upd as (
    update jobs j set lease_seconds = null,
           lease_expires_at = t.now + make_interval(secs => coalesce(${p.leaseSeconds}::int,
             extract(epoch from j.lease_expires_at - j.updated_at)::int)),
           updated_at = t.now
    from t${limitLockTaken(sql)}
    where j.id = ${p.id} and j.status = 'processing' and j.lease_token = ${p.leaseToken}::uuid
      and j.worker_id = ${p.workerId}${stillLiveIfLimited(sql, p.now)}
    returning j.lease_expires_at, extract(epoch from j.lease_expires_at - j.updated_at)::int as lease_seconds
  )
  select 'updated' as outcome, lease_expires_at, lease_seconds from upd
  union all
  select 'lost', null, null from jobs j where j.id = ${p.id} and not exists (select 1 from upd)`
