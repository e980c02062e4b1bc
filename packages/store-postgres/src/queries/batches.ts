import type postgres from "postgres"
import { limitLockTaken, limitedQueuesLocked, stillLiveIfLimited } from "./limitedRenew.ts"
import type { Backoff } from "./outcomes.ts"

/** One ack item as the statement takes it; `token` is null when it is not a well-formed lease token. */
export interface AckRow {
  readonly id: number
  readonly token: string | null
  readonly outcome: "completed" | "failed"
  readonly result: unknown
  readonly message: string | null
  readonly stack: string | null
  readonly retryable: boolean | null
  readonly retryInMs: number | null
}

/** Per-item answer: `updated`, `already` (completed before by this token and worker), `lost`, or `missing` (no such job). */
export type ItemOutcome = "updated" | "already" | "lost" | "missing"

/**
 * An ack item that did not write: its 1-based request index, its job id and why. A row of nulls (the
 * left join from the workflow settling step when every item wrote) stands for no item.
 */
export interface AckFailure {
  readonly i: number | null
  readonly id: number
  readonly outcome: Exclude<ItemOutcome, "updated"> | null
}

/** Only the first item of each job id writes; later ones can only be idempotent repeats. */
const firstOfEachJob = (ids: ReadonlyArray<number>): number[] => {
  const seen = new Set<number>()
  return ids.map((id) => (seen.has(id) ? 0 : (seen.add(id), 1)))
}

/**
 * Applies every ack item in ONE statement; completed and failed items mix freely. Items travel as
 * parallel arrays (cheap to decode), results as one JSON array read by position. The update joins
 * the unnested items to jobs by primary key (a nested loop of key probes, whatever plan is cached);
 * each item is a conditional write on (id, processing, token, worker). `status::text` keeps a cached
 * generic plan from walking the whole processing index instead. Only items that did not write come
 * back (request index and why), and only when there are any; every other item succeeded (the left join
 * from `wf`, which settles the workflow jobs that ended, answers one row of nulls when none failed).
 */
export const ackMany = (sql: postgres.Sql, workerId: string, items: ReadonlyArray<AckRow>, now: Date | null, backoff: Backoff) => {
  const hasResults = items.some((it) => it.result !== null && it.result !== undefined)
  const anyFailed = items.some((it) => it.outcome === "failed")
  const ids = items.map((it) => it.id)
  const toks = items.map((it) => it.token)
  const firsts = firstOfEachJob(ids)
  /** Arrays a plain all-completed batch does not need are sent as null (unnest pads them with nulls). */
  const outcomes = anyFailed ? items.map((it) => it.outcome) : null
  const messages = anyFailed ? items.map((it) => it.message) : null
  const stacks = anyFailed && items.some((it) => it.stack !== null) ? items.map((it) => it.stack) : null
  const retryables = anyFailed ? items.map((it) => (it.retryable === null ? null : String(it.retryable))) : null
  const retryIns = anyFailed ? items.map((it) => it.retryInMs) : null
  const dupes = firsts.includes(0) ? firsts : null
  const results = hasResults ? sql.json(items.map((it) => it.result ?? null) as never) : null
  if (!anyFailed) return ackCompleted(sql, workerId, ids, toks, dupes, results, now)
  return sql<AckFailure[]>`
    with upd as (
      update jobs j set
        status = case when x.outcome = 'completed' then 'completed'::job_status
                      when x.retryable = 'false' or j.attempts >= j.max_attempts then 'failed'::job_status
                      else 'retrying'::job_status end,
        run_at = case when x.outcome = 'completed' or x.retryable = 'false' or j.attempts >= j.max_attempts then j.run_at
                      else coalesce(${now}::timestamptz, now()) + make_interval(secs => coalesce(x.retry_in_ms,
                        random() * least(${backoff.capMs}::float8, ${backoff.baseMs}::float8 * power(2::float8, j.attempts - 1))) / 1000.0)
                 end,
        completed_at = case when x.outcome <> 'completed' and (x.retryable = 'false' or j.attempts >= j.max_attempts)
                            then coalesce(${now}::timestamptz, now()) end,
        updated_at = coalesce(${now}::timestamptz, now()),
        completed_token = case when x.outcome = 'completed' then j.lease_token end,
        completed_worker = case when x.outcome = 'completed' then j.worker_id end,
        lease_token = null, lease_expires_at = null, worker_id = null,
        result = case when x.outcome = 'completed'
                      then nullif(${results}::jsonb -> (x.i::int - 1), 'null'::jsonb)
                      else j.result end,
        last_error = case when x.outcome = 'failed' then x.message else j.last_error end,
        errors = case when x.outcome = 'failed' then coalesce(j.errors, '[]'::jsonb) || jsonb_build_array(jsonb_strip_nulls(jsonb_build_object(
                   'attempt', j.attempts, 'message', x.message,
                   'at', to_char(coalesce(${now}::timestamptz, now()) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'), 'stack', x.stack)))
                 else j.errors end
      from (
        select u.id, u.tok, coalesce(u.outcome, 'completed') as outcome, u.first, u.message, u.stack, u.retryable, u.retry_in_ms, u.i
        from unnest(${ids}::bigint[], ${toks}::uuid[], ${outcomes}::text[], ${dupes}::int[], ${messages}::text[],
                    ${stacks}::text[], ${retryables}::text[], ${retryIns}::float8[])
          with ordinality as u(id, tok, outcome, first, message, stack, retryable, retry_in_ms, i)
      ) x
      where j.id = x.id and coalesce(x.first, 1) = 1 and j.status::text = 'processing' and j.lease_token = x.tok
        and j.worker_id = ${workerId}
      returning x.i, x.id, x.tok, x.outcome, j.workflow_id, j.status
    ),
    wf as (
      select leasehold_workflow_settle(array_agg(u.id order by u.id), coalesce(${now}::timestamptz, now())) as n
      from upd u where u.workflow_id is not null and u.status in ('completed', 'failed', 'cancelled') having count(*) > 0
    ),
    answers as (
      select x.i, x.id,
             case when x.i in (select u.i from upd u) then 'updated'
                  else coalesce((
                    select case when x.outcome = 'completed' and (
                                  (e.status = 'completed' and e.completed_token = x.tok and e.completed_worker = ${workerId})
                                  or exists (select 1 from upd d where d.id = x.id and d.tok = x.tok and d.outcome = 'completed'))
                                then 'already' else 'lost' end
                    from jobs e where e.id = x.id), 'missing')
             end as outcome
      from (
        select u.id, u.tok, coalesce(u.outcome, 'completed') as outcome, u.i
        from unnest(${ids}::bigint[], ${toks}::uuid[], ${outcomes}::text[]) with ordinality as u(id, tok, outcome, i)
      ) x
      where (select count(*) from upd) < ${items.length}::int
    )
    select a.i::int as i, a.id, a.outcome
    from (select count(*) from wf) settled left join answers a on a.outcome <> 'updated'
    order by a.i`
}

/**
 * The common ack, every item completed: the same conditional writes with a plain SET list. completed_at
 * stays null: a completed job's completion time is its updated_at (see `completedAt` in rows.ts).
 */
const ackCompleted = (
  sql: postgres.Sql,
  workerId: string,
  ids: ReadonlyArray<number>,
  toks: ReadonlyArray<string | null>,
  dupes: ReadonlyArray<number> | null,
  results: unknown,
  now: Date | null
) =>
  sql<AckFailure[]>`
    with upd as (
      update jobs j set status = 'completed',
             updated_at = coalesce(${now}::timestamptz, now()), completed_token = j.lease_token,
             completed_worker = j.worker_id, lease_token = null, lease_expires_at = null, worker_id = null,
             result = nullif(${results as never}::jsonb -> (x.i::int - 1), 'null'::jsonb)
      from unnest(${ids as number[]}::bigint[], ${toks as string[]}::uuid[], ${dupes as number[] | null}::int[])
        with ordinality as x(id, tok, first, i)
      where j.id = x.id and coalesce(x.first, 1) = 1 and j.status::text = 'processing' and j.lease_token = x.tok
        and j.worker_id = ${workerId}
      returning x.i, x.id, x.tok, j.workflow_id
    ),
    wf as (
      select leasehold_workflow_settle(array_agg(u.id order by u.id), coalesce(${now}::timestamptz, now())) as n
      from upd u where u.workflow_id is not null having count(*) > 0
    ),
    answers as (
      select x.i, x.id,
             case when x.i in (select u.i from upd u) then 'updated'
                  else coalesce((
                    select case when (e.status = 'completed' and e.completed_token = x.tok and e.completed_worker = ${workerId})
                                  or exists (select 1 from upd d where d.id = x.id and d.tok = x.tok)
                                then 'already' else 'lost' end
                    from jobs e where e.id = x.id), 'missing')
             end as outcome
      from unnest(${ids as number[]}::bigint[], ${toks as string[]}::uuid[]) with ordinality as x(id, tok, i)
      where (select count(*) from upd) < ${ids.length}::int
    )
    select a.i::int as i, a.id, a.outcome
    from (select count(*) from wf) settled left join answers a on a.outcome <> 'updated'
    order by a.i`

/**
 * Renews every item in ONE statement (primary-key probes); only items that did not renew come back unrenewed.
 * Without lease seconds a lease keeps its duration, which is `lease_expires_at - updated_at` (see rows.ts).
 */
export const renewMany = (
  sql: postgres.Sql,
  workerId: string,
  items: ReadonlyArray<{ readonly id: number; readonly token: string | null }>,
  leaseSeconds: number | null,
  now: Date | null
) => {
  const ids = items.map((it) => it.id)
  return sql<{ i: number; id: number; outcome: ItemOutcome; lease_expires_at: Date | null; lease_seconds: number | null }[]>`
    with${limitedQueuesLocked(sql, ids)}
    upd as (
      update jobs j set lease_seconds = null,
             lease_expires_at = coalesce(${now}::timestamptz, now())
               + make_interval(secs => coalesce(${leaseSeconds}::int, extract(epoch from j.lease_expires_at - j.updated_at)::int)),
             updated_at = coalesce(${now}::timestamptz, now())
      from unnest(${ids}::bigint[], ${items.map((it) => it.token)}::uuid[]) with ordinality as x(id, tok, i)${limitLockTaken(sql)}
      where j.id = x.id and j.status::text = 'processing' and j.lease_token = x.tok and j.worker_id = ${workerId}${stillLiveIfLimited(sql, now)}
      returning x.i, j.lease_expires_at, extract(epoch from j.lease_expires_at - j.updated_at)::int as lease_seconds
    )
    select x.i::int as i, x.id, u.lease_expires_at, u.lease_seconds,
           case when u.i is not null then 'updated'
                when exists (select 1 from jobs e where e.id = x.id) then 'lost'
                else 'missing' end as outcome
    from unnest(${ids}::bigint[]) with ordinality as x(id, i) left join upd u on u.i = x.i
    order by x.i`
}
