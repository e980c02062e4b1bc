import type postgres from "postgres"
import type { JobRow } from "../rows.ts"

/** One job by id. */
export const getJob = (sql: postgres.Sql, id: number) => sql<JobRow[]>`
  select j.*, ${waitingFor(sql)} from jobs j where j.id = ${id}`

/** `waiting_for` of a blocked job: the keys of its dependencies not yet completed (null for any other row). */
export const waitingFor = (sql: postgres.Sql) => sql`
  case when j.status = 'blocked' then array(
    select p.key::text from workflow_edges e join jobs p on p.id = e.job_id
    where e.dependent_id = j.id and p.status <> 'completed' order by p.key) end as waiting_for`

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
 * The recursive CTE `p(queue, priority)`: every distinct priority with pending or retrying jobs in each
 * queue, found by a skip scan of jobs_leasable_idx (one index probe per priority, not per job). Needs
 * `with recursive`.
 */
export const pendingPriorities = (sql: postgres.Sql, queues: ReadonlyArray<string>) => sql`
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
  )`

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
  ${pendingPriorities(sql, queues)}
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
