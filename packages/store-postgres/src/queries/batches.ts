import type postgres from "postgres"
import type { Backoff } from "./outcomes.ts"

/** One ack item as sent to the statement (`i` = request index). */
export interface AckRow {
  readonly i: number
  readonly id: number
  readonly token: string
  readonly outcome: "completed" | "failed"
  readonly result: unknown
  readonly message: string | null
  readonly retryable: boolean | null
  readonly retry_in_ms: number | null
}

/** Per-item answer: `updated`, `already` (completed before by this token), `lost`, or `missing` (no such job). */
export type ItemOutcome = "updated" | "already" | "lost" | "missing"

/**
 * Applies every ack item in ONE statement; completed and failed items mix freely.
 * Each item is a conditional write on (id, processing, token, worker); results come back in request order.
 * Only the first item of a job writes; a repeated completion with the same token is idempotent.
 */
export const ackMany = (sql: postgres.Sql, workerId: string, items: ReadonlyArray<AckRow>, now: Date | null, backoff: Backoff) =>
  sql<{ i: number; id: number; outcome: ItemOutcome }[]>`
    with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
    input as materialized (
      select x.*, x.i = min(x.i) over (partition by x.id) as first
      from jsonb_to_recordset(${sql.json(items as never)}::jsonb) as x(
        i int, id bigint, token text, outcome text, result jsonb, message text, retryable boolean, retry_in_ms float8)
    ),
    upd as (
      update jobs j set
        status = case when x.outcome = 'completed' then 'completed'
                      when x.retryable is false or j.attempts >= j.max_attempts then 'failed'
                      else 'retrying' end,
        run_at = case when x.outcome = 'completed' or x.retryable is false or j.attempts >= j.max_attempts then j.run_at
                      else t.now + make_interval(secs => coalesce(x.retry_in_ms,
                        random() * least(${backoff.capMs}::float8, ${backoff.baseMs}::float8 * power(2::float8, j.attempts - 1))) / 1000.0)
                 end,
        completed_at = case when x.outcome = 'completed' or x.retryable is false or j.attempts >= j.max_attempts
                            then t.now end,
        updated_at = t.now,
        completed_token = case when x.outcome = 'completed' then j.lease_token end,
        lease_token = null, lease_expires_at = null, worker_id = null,
        result = case when x.outcome = 'completed' then x.result else j.result end,
        last_error = case when x.outcome = 'failed' then x.message else j.last_error end,
        errors = case when x.outcome = 'failed' then coalesce(j.errors, '[]'::jsonb) || jsonb_build_array(jsonb_build_object(
                   'attempt', j.attempts, 'message', x.message,
                   'at', to_char(t.now at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"')))
                 else j.errors end
      from input x cross join t
      where j.id = x.id and x.first and j.status = 'processing' and j.lease_token::text = x.token
        and j.worker_id = ${workerId}
      returning x.i, x.id, x.token, x.outcome
    )
    select x.i, x.id,
           case when u.i is not null then 'updated'
                when e.id is null then 'missing'
                when x.outcome = 'completed' and (
                  (e.status = 'completed' and e.completed_token::text = x.token)
                  or exists (select 1 from upd d where d.id = x.id and d.token = x.token and d.outcome = 'completed'))
                  then 'already'
                else 'lost' end as outcome
    from input x left join upd u on u.i = x.i left join jobs e on e.id = x.id
    order by x.i`

/** Renews every item in ONE statement; results in request order. */
export const renewMany = (
  sql: postgres.Sql,
  workerId: string,
  items: ReadonlyArray<{ readonly i: number; readonly id: number; readonly token: string }>,
  leaseSeconds: number | null,
  now: Date | null
) =>
  sql<{ i: number; id: number; outcome: ItemOutcome; lease_expires_at: Date | null; lease_seconds: number | null }[]>`
    with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
    input as materialized (
      select * from jsonb_to_recordset(${sql.json(items as never)}::jsonb) as x(i int, id bigint, token text)
    ),
    upd as (
      update jobs j set lease_seconds = coalesce(${leaseSeconds}::int, j.lease_seconds),
             lease_expires_at = t.now + make_interval(secs => coalesce(${leaseSeconds}::int, j.lease_seconds)),
             updated_at = t.now
      from input x cross join t
      where j.id = x.id and j.status = 'processing' and j.lease_token::text = x.token and j.worker_id = ${workerId}
      returning x.i, j.lease_expires_at, j.lease_seconds
    )
    select x.i, x.id, u.lease_expires_at, u.lease_seconds,
           case when u.i is not null then 'updated' when e.id is null then 'missing' else 'lost' end as outcome
    from input x left join upd u on u.i = x.i left join jobs e on e.id = x.id
    order by x.i`
