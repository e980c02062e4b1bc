import type postgres from "postgres"
import type { JobStatus, WorkflowStatus } from "@leasehold/contracts"
import { JOBS_CHANNEL } from "../listenJobs.ts"

/** A transaction or the pool: every statement here runs inside the caller's transaction. */
type Tx = postgres.TransactionSql | postgres.Sql

/** One job to insert into a workflow, its initial status decided by the caller (see planInsert). */
export interface WorkflowInsertItem {
  readonly ord: number
  readonly key: string
  readonly type: string
  readonly queue: string
  readonly payload: unknown
  readonly priority: number
  readonly run_at: string | null
  readonly delay_ms: number | null
  readonly max_attempts: number
  readonly depends_on: ReadonlyArray<string>
  readonly policy: "cancel" | "run"
  readonly unmet: number
  readonly status: "blocked" | "pending" | "cancelled"
  readonly last_error: string | null
  readonly concurrency_key: string | null
}

/** Creates the workflow row; with an idempotency key that exists, returns that workflow's id as a duplicate. */
export const insertWorkflow = async (tx: Tx, name: string | null, idempotencyKey: string | null, now: Date | null) => {
  const [created] = await tx<{ id: string }[]>`
    insert into workflows (name, idempotency_key, created_at, updated_at)
    values (${name}, ${idempotencyKey}, coalesce(${now}::timestamptz, now()), coalesce(${now}::timestamptz, now()))
    on conflict (idempotency_key) do nothing
    returning id`
  if (created) return { id: Number(created.id), duplicate: false }
  const [existing] = await tx<{ id: string }[]>`select id from workflows where idempotency_key = ${idempotencyKey}`
  return existing ? { id: Number(existing.id), duplicate: true } : null
}

/** Locks the workflow row: adds, cancels and retries of one workflow run one at a time. */
export const lockWorkflow = (tx: Tx, id: number) => tx<{ id: string }[]>`select id from workflows where id = ${id} for update`

/**
 * Whether `jobId` holds a live lease (token, worker, not expired) on a job of the workflow; the row is
 * locked FOR SHARE, so the lease cannot end (complete, cancel) until the add commits.
 */
export const holdsLiveLease = async (
  tx: Tx,
  p: { readonly workflowId: number; readonly jobId: number; readonly workerId: string; readonly token: string | null; readonly now: Date | null }
) => {
  const rows = await tx`
    select 1 from jobs
    where id = ${p.jobId} and workflow_id = ${p.workflowId} and status = 'processing'
      and lease_token = ${p.token}::uuid and worker_id = ${p.workerId}
      and lease_expires_at >= coalesce(${p.now}::timestamptz, now())
    for share`
  return rows.length > 0
}

/** How many jobs of the workflow are not finished (0 for a finished workflow). */
export const unfinishedCount = async (tx: Tx, workflowId: number) => {
  const [row] = await tx<{ n: number }[]>`
    select count(*)::int as n from jobs
    where workflow_id = ${workflowId} and status in ('blocked', 'pending', 'processing', 'retrying')`
  return row?.n ?? 0
}

/**
 * Jobs of the workflow holding these keys, locked FOR SHARE in id order: a dependency that completes while
 * jobs are added to it either committed before this read (its status is final here) or waits for this
 * transaction and then finds the new edges. Either way it is counted exactly once.
 */
export const jobsByKey = (tx: Tx, workflowId: number, keys: ReadonlyArray<string>) => tx<{ id: string; key: string; status: JobStatus }[]>`
  select id, key, status from jobs
  where workflow_id = ${workflowId} and key = any(${keys as string[]}::text[])
  order by id
  for share`

/** Inserts the jobs and their edges (to new and existing jobs) in one statement; ids come back in request order. */
export const insertWorkflowJobs = (tx: Tx, workflowId: number, items: ReadonlyArray<WorkflowInsertItem>, now: Date | null) => tx<{ ord: number; id: string }[]>`
  with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
  input as materialized (
    select nextval('jobs_id_seq') as id, x.*
    from jsonb_to_recordset(${tx.json(items as never)}::jsonb) as x(
      ord int, key text, type text, queue text, payload jsonb, priority int, run_at timestamptz, delay_ms bigint,
      max_attempts int, depends_on text[], policy text, unmet int, status text, last_error text, concurrency_key text)
  ),
  ins as (
    insert into jobs (id, created_at, run_at, max_attempts, priority, queue, type, status, attempts, updated_at,
                      completed_at, last_error, payload, workflow_id, key, depends_on, wf_on_dependency_failure,
                      wf_unmet, wf_delay_ms, concurrency_key)
    select i.id, t.now,
           case when i.status = 'pending' then coalesce(i.run_at, t.now + coalesce(i.delay_ms, 0) * interval '1 millisecond')
                else coalesce(i.run_at, t.now) end,
           i.max_attempts, i.priority, i.queue, i.type, i.status::job_status, 0, t.now,
           case when i.status = 'cancelled' then t.now end, i.last_error, i.payload, ${workflowId}::bigint, i.key,
           i.depends_on, i.policy, i.unmet, i.delay_ms, i.concurrency_key
    from input i cross join t
    order by i.ord
    returning id
  ),
  known as (
    select i.key, i.id from input i
    union all
    select j.key, j.id from jobs j
    where j.workflow_id = ${workflowId}::bigint and j.key = any(array(select distinct unnest(i.depends_on) from input i))
  ),
  edges as (
    insert into workflow_edges (job_id, dependent_id)
    select distinct k.id, i.id from input i cross join unnest(i.depends_on) d(key) join known k on k.key = d.key
    returning 1
  ),
  notified as (
    select count(pg_notify(${JOBS_CHANNEL}, q.queue)) as n
    from (select distinct queue from input where status = 'pending') q
  )
  select i.ord, i.id from input i
  where (select count(*) from ins) >= 0 and (select count(*) from edges) >= 0 and (select n from notified) >= 0
  order by i.ord`

/** A workflow row with its jobs' counts and times, as reads and lists need it. */
export interface WorkflowRow {
  readonly id: string
  readonly name: string | null
  readonly created_at: Date
  readonly updated_at: Date
  readonly last_finished_at: Date | null
  readonly blocked: number
  readonly pending: number
  readonly processing: number
  readonly retrying: number
  readonly completed: number
  readonly failed: number
  readonly cancelled: number
}

/** Workflows by id ascending after `afterId`, with counts, filtered on the status computed as core's workflowStatusOf; one row more than asked. */
export const listWorkflows = (sql: Tx, p: { readonly status: WorkflowStatus | null; readonly afterId: number; readonly limit: number; readonly id?: number }) =>
  sql<WorkflowRow[]>`
    select w.id, w.name, w.created_at, greatest(w.updated_at, c.last_updated_at) as updated_at, c.*
    from workflows w
    cross join lateral (
      select count(*) filter (where j.status = 'blocked')::int as blocked,
             count(*) filter (where j.status = 'pending')::int as pending,
             count(*) filter (where j.status = 'processing')::int as processing,
             count(*) filter (where j.status = 'retrying')::int as retrying,
             count(*) filter (where j.status = 'completed')::int as completed,
             count(*) filter (where j.status = 'failed')::int as failed,
             count(*) filter (where j.status = 'cancelled')::int as cancelled,
             max(coalesce(j.completed_at, j.updated_at)) as last_finished_at,
             max(j.updated_at) as last_updated_at
      from jobs j where j.workflow_id = w.id
    ) c
    where w.id > ${p.afterId} and (${p.id ?? null}::bigint is null or w.id = ${p.id ?? null}::bigint)
      and (${p.status}::text is null or ${p.status}::text = case
             when c.blocked + c.pending + c.processing + c.retrying > 0 then 'running'
             when c.failed > 0 then 'failed' when c.cancelled > 0 then 'cancelled' else 'completed' end)
    order by w.id
    limit ${p.limit + 1}`

/** The graph of one workflow: every job's node fields, by id. */
export const workflowNodes = (sql: Tx, id: number) =>
  sql<{ id: string; key: string; type: string; queue: string; status: JobStatus; depends_on: Array<string> | null }[]>`
    select id, key, type, queue, status, depends_on from jobs where workflow_id = ${id} order by id`

/** Cancels every unfinished job of the workflow, locked in id order; answers how many. */
export const cancelWorkflowJobs = (tx: Tx, id: number, now: Date | null) => tx<{ n: number }[]>`
  with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
  c as materialized (
    select id from jobs where workflow_id = ${id} and status in ('blocked', 'pending', 'retrying', 'processing')
    order by id for update
  ),
  upd as (
    update jobs j set status = 'cancelled', updated_at = t.now, completed_at = t.now,
           lease_token = null, lease_expires_at = null, worker_id = null
    from c cross join t
    where j.id = c.id and j.status in ('blocked', 'pending', 'retrying', 'processing')
    returning 1
  )
  select count(*)::int as n from upd`

/**
 * Moves every failed or cancelled job of the workflow back to pending (attempts 0), then reopens them
 * (leasehold_workflow_reopen): each is blocked again while a dependency has not completed.
 */
export const retryWorkflowJobs = (tx: Tx, id: number, now: Date | null) => tx<{ n: number }[]>`
  with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
  c as materialized (select id from jobs where workflow_id = ${id} and status in ('failed', 'cancelled') order by id for update),
  upd as (
    update jobs j set status = 'pending', attempts = 0, run_at = t.now, completed_at = null, updated_at = t.now,
           last_error = case when j.status = 'cancelled' and j.last_error like 'dependency %' then null else j.last_error end
    from c cross join t
    where j.id = c.id
    returning j.id
  ),
  wf as (select leasehold_workflow_reopen(array_agg(u.id), (select now from t)) as n from upd u having count(*) > 0)
  select coalesce((select n from wf), 0)::int as n`

