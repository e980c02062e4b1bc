import type postgres from "postgres"
import type { JobStatus } from "@leasehold/contracts"
import type { JobRow } from "../rows.ts"
import { waitingFor } from "./reads.ts"

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

/**
 * One page by id ascending; fetches one row more than asked to know whether a next page exists. Each
 * filter shape is its own statement (so its own cached plan), and each reads about one page of index
 * entries whatever the table holds:
 *  - no filter: the primary key from the cursor on;
 *  - a workflow: its jobs, through jobs_workflow_key_idx (a workflow's size bounds the read);
 *  - a worker: only processing jobs have one, so the in-flight jobs of jobs_processing_idx;
 *  - queue, type and/or status: one walk of jobs_list_idx per (queue, type, status) the filter can match
 *    (pairs from job_kinds, statuses from the enum), each stopping after a page, merged by id; plus the
 *    matching in-flight jobs when processing is not filtered out (processing jobs are not in that index).
 */
export const listJobs = (sql: postgres.Sql, f: ListFilter) => {
  const n = f.limit + 1
  const page = (ids: postgres.PendingQuery<postgres.Row[]>) =>
    sql<JobRow[]>`select j.*, ${waitingFor(sql)} from jobs j where j.id = any(array(${ids})) order by j.id`
  if (f.workflowId !== null) {
    return page(sql`
      select j.id from jobs j
      where j.workflow_id = ${f.workflowId}::bigint and j.id > ${f.afterId}
        and (${f.queue}::text is null or j.queue = ${f.queue}::text)
        and (${f.type}::text is null or j.type = ${f.type}::text)
        and (${f.status}::text is null or j.status::text = ${f.status}::text)
        and (${f.workerId}::text is null or j.worker_id = ${f.workerId}::text)
      order by j.id limit ${n}`)
  }
  if (f.workerId !== null) {
    return page(sql`
      select j.id from jobs j
      where j.status = 'processing' and j.worker_id = ${f.workerId}::text and j.id > ${f.afterId}
        and (${f.queue}::text is null or j.queue = ${f.queue}::text)
        and (${f.type}::text is null or j.type = ${f.type}::text)
        and (${f.status}::text is null or ${f.status}::text = 'processing')
      order by j.id limit ${n}`)
  }
  if (f.queue === null && f.type === null && f.status === null) {
    return page(sql`select j.id from jobs j where j.id > ${f.afterId} order by j.id limit ${n}`)
  }
  return sql<JobRow[]>`
    with k as materialized (
      select k.queue, k.type, s.status
      from job_kinds k cross join unnest(enum_range(null::job_status)) s(status)
      where s.status <> 'processing'
        and (${f.status}::text is null or s.status::text = ${f.status}::text)
        and (${f.queue}::text is null or k.queue = ${f.queue}::text)
        and (${f.type}::text is null or k.type = ${f.type}::text)
    ),
    ids as (
      select x.id from k cross join lateral (
        select j.id from jobs j
        where j.queue = k.queue and j.type = k.type and j.status = k.status and j.status <> 'processing'
          and j.id > ${f.afterId}
        order by j.id limit ${n}
      ) x
      union all
      (select j.id from jobs j
       where j.status = 'processing' and j.id > ${f.afterId}
         and (${f.status}::text is null or ${f.status}::text = 'processing')
         and (${f.queue}::text is null or j.queue = ${f.queue}::text)
         and (${f.type}::text is null or j.type = ${f.type}::text)
       order by j.id limit ${n})
    )
    select j.*, ${waitingFor(sql)} from jobs j where j.id = any(array(select id from ids order by id limit ${n})) order by j.id`
}
