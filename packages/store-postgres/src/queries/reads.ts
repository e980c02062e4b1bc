import type postgres from "postgres"
import type { JobStatus } from "@leasehold/contracts"
import type { JobRow } from "../rows.ts"

/** One job by id. */
export const getJob = (sql: postgres.Sql, id: number) => sql<JobRow[]>`
  select j.*, ${waitingFor(sql)} from jobs j where j.id = ${id}`

/** `waiting_for` of a blocked job: the keys of its dependencies not yet completed (null for any other row). */
const waitingFor = (sql: postgres.Sql) => sql`
  case when j.status = 'blocked' then array(
    select p.key::text from workflow_edges e join jobs p on p.id = e.job_id
    where e.dependent_id = j.id and p.status <> 'completed' order by p.key) end as waiting_for`

/** Filters of the keyset-paginated job list. */
export interface ListFilter {
  readonly queue: string | null
  readonly status: JobStatus | null
  readonly type: string | null
  readonly workerId: string | null
  readonly workflowId: number | null
  readonly afterId: number
  readonly limit: number
}

/** One page by id ascending; fetches one row more than asked to know whether a next page exists. */
export const listJobs = (sql: postgres.Sql, f: ListFilter) => sql<JobRow[]>`
  select j.*, ${waitingFor(sql)} from jobs j
  where j.id > ${f.afterId}
    and (${f.queue}::text is null or j.queue = ${f.queue}::text)
    and (${f.status}::text is null or j.status::text = ${f.status}::text)
    and (${f.type}::text is null or j.type = ${f.type}::text)
    and (${f.workerId}::text is null or j.worker_id = ${f.workerId}::text)
    and (${f.workflowId}::bigint is null or j.workflow_id = ${f.workflowId}::bigint)
  order by j.id
  limit ${f.limit + 1}`

/** Counts per queue and status, the oldest due pending job's run_at, and the expired-lease count. */
export const queueCounts = (sql: postgres.Sql, now: Date | null) =>
  sql<{ queue: string; status: JobStatus | null; n: number; oldest_due: Date | null; now: Date }[]>`
    with t as materialized (select coalesce(${now}::timestamptz, now()) as now)
    select j.queue, j.status, count(*)::int as n,
           min(j.run_at) filter (where j.status = 'pending' and j.run_at <= t.now) as oldest_due, t.now
    from jobs j cross join t
    group by j.queue, j.status, t.now
    union all
    select null, null, count(*)::int, null, t.now
    from jobs j cross join t
    where j.status = 'processing' and j.lease_expires_at < t.now
    group by t.now`

/** Live or expired leases, soonest expiry first. */
export const listLeases = (
  sql: postgres.Sql,
  p: { readonly expired: boolean; readonly queue: string | null; readonly limit: number; readonly now: Date | null }
) => sql<{ id: number; queue: string; type: string; worker_id: string; leased_at: Date; lease_expires_at: Date }[]>`
  select j.id, j.queue, j.type, j.worker_id, j.leased_at, j.lease_expires_at
  from jobs j
  where j.status = 'processing'
    and (${p.queue}::text is null or j.queue = ${p.queue}::text)
    and case when ${p.expired}::boolean then j.lease_expires_at < coalesce(${p.now}::timestamptz, now())
             else j.lease_expires_at >= coalesce(${p.now}::timestamptz, now()) end
  order by j.lease_expires_at, j.id
  limit ${p.limit}`

/**
 * The earliest future moment a job on these queues becomes leasable by time: a delayed or backed-off
 * run_at, or the expiry of a lease with attempts left. Walks jobs_leasable_idx (queue, priority desc,
 * run_at, id) as a skip scan: `p` finds each distinct priority of a queue with one index descent, and
 * for each, the first pending entry after now is one more descent (run_at is ordered within a
 * priority). Expiries come from the processing index.
 */
export const nextLeasableAt = (
  sql: postgres.Sql,
  queues: ReadonlyArray<string>,
  types: ReadonlyArray<string> | null,
  now: Date | null
) => sql<{ at: Date | null }[]>`
  with recursive t as materialized (select coalesce(${now}::timestamptz, now()) as now),
  p(queue, priority) as (
    select q.name, (select j.priority from jobs j
                    where j.queue = q.name and j.status in ('pending', 'retrying')
                    order by j.priority desc limit 1)
    from unnest(${queues as string[]}::text[]) q(name)
    union all
    select p.queue, (select j.priority from jobs j
                     where j.queue = p.queue and j.status in ('pending', 'retrying') and j.priority < p.priority
                     order by j.priority desc limit 1)
    from p where p.priority is not null
  )
  select least(
    (select min(x.at) from p cross join t
       cross join lateral (
         select j.run_at as at from jobs j
         where j.queue = p.queue and j.priority = p.priority and j.status in ('pending', 'retrying')
           and j.run_at > t.now
           and (${types as string[] | null}::text[] is null or j.type = any(${types as string[] | null}::text[]))
         order by j.priority desc, j.run_at, j.id limit 1
       ) x
     where p.priority is not null),
    (select min(j.lease_expires_at) from jobs j cross join t
       where j.queue = any(${queues as string[]}::text[]) and j.status = 'processing' and j.lease_expires_at >= t.now
         and j.attempts < j.max_attempts
         and (${types as string[] | null}::text[] is null or j.type = any(${types as string[] | null}::text[])))
  ) as at`
