import type postgres from "postgres"
import type { NewJob } from "@leasehold/core"
import { JOBS_CHANNEL } from "../listenJobs.ts"
import type { JobRow } from "../rows.ts"

/** One enqueue input as sent to the statement (request order in `ord`). */
interface EnqueueItem {
  readonly ord: number
  readonly type: string
  readonly queue: string
  readonly payload: unknown
  readonly priority: number
  readonly run_at: string | null
  readonly delay_ms: number | null
  readonly max_attempts: number
  readonly idempotency_key: string | null
  readonly concurrency_key: string | null
}

/** A resolved enqueue: the job row, its request index and whether its key existed. */
export type EnqueueRow = JobRow & { readonly ord: number; readonly duplicate: boolean }

/** Applies the port's defaults; `payload` is kept as a JSON value. */
export const toEnqueueItem = (job: NewJob, ord: number): EnqueueItem => ({
  ord,
  type: job.type,
  queue: job.queue ?? "default",
  payload: job.payload === undefined ? null : job.payload,
  priority: job.priority ?? 0,
  run_at: job.runAt ? job.runAt.toISOString() : null,
  delay_ms: job.runAt ? null : (job.delayMs ?? null),
  max_attempts: job.maxAttempts ?? 3,
  idempotency_key: job.idempotencyKey ?? null,
  concurrency_key: job.concurrencyKey ?? null
})

/**
 * Inserts a batch holding idempotency keys in one statement (all or nothing) and notifies each distinct
 * queue once (batches without keys take `enqueuePlainColumns`).
 * Ids are drawn before the insert so each answer maps back to its request index; an item whose key
 * exists already, or was taken by an earlier item of the same batch, resolves to that job as a duplicate.
 * The queue domain is checked once per distinct queue (as `enqueuePlainColumns` does).
 */
export const enqueueMany = (sql: postgres.Sql, items: ReadonlyArray<EnqueueItem>, now: Date | null) =>
  sql<EnqueueRow[]>`
    with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
    input as materialized (
      select nextval('jobs_id_seq') as id, x.*
      from jsonb_to_recordset(${sql.json(items as never)}::jsonb) as x(
        ord int, type text, queue text, payload jsonb, priority int, run_at timestamptz,
        delay_ms bigint, max_attempts int, idempotency_key text, concurrency_key text)
    ),
    qs as materialized (select c.checked, c.checked::text[] as names
                        from (select array_agg(distinct queue)::job_queue[] as checked from input) c),
    ins as (
      insert into jobs (id, created_at, run_at, max_attempts, priority, queue, type, idempotency_key,
                        status, attempts, updated_at, payload, concurrency_key)
      select i.id, t.now,
             case when i.run_at is null and i.delay_ms is null then t.now
                  else coalesce(i.run_at, t.now + i.delay_ms * interval '1 millisecond') end,
             i.max_attempts, i.priority, qs.checked[array_position(qs.names, i.queue)], i.type, i.idempotency_key,
             'pending', 0, t.now, i.payload, i.concurrency_key
      from input i cross join t cross join qs
      order by i.ord
      on conflict (queue, idempotency_key) where idempotency_key is not null do nothing
      returning *
    ),
    notified as (
      select count(pg_notify(${JOBS_CHANNEL}, q.queue)) as n from (select distinct queue from ins) q
    )
    select i.ord, false as duplicate, j.* from input i join ins j on j.id = i.id
    where (select n from notified) >= 0
    union all
    select i.ord, true, d.* from input i
      join ins d on d.queue = i.queue and d.idempotency_key = i.idempotency_key and d.id <> i.id
    union all
    select i.ord, true, e.* from input i
      cross join lateral (
        select * from jobs e where e.queue = i.queue and e.idempotency_key = i.idempotency_key
      ) e
    where i.idempotency_key is not null and not exists (select 1 from ins where ins.id = i.id)
    order by 1`

/** Jobs holding these keys (a duplicate committed by a concurrent statement after ours took its snapshot). */
export const jobsByKeys = (sql: postgres.Sql, queues: ReadonlyArray<string>, keys: ReadonlyArray<string>) =>
  sql<JobRow[]>`
    select j.* from unnest(${queues as string[]}::text[], ${keys as string[]}::text[]) k(queue, key)
    cross join lateral (select * from jobs e where e.queue = k.queue and e.idempotency_key = k.key) j`
