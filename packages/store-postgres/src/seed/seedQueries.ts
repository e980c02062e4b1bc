import type postgres from "postgres"

/**
 * Queue and type of a seeded job, picked by weight: an entry repeated k times is k times as common.
 * Six queues, two to four types each, mail and webhooks carrying most of the traffic.
 */
const KINDS: ReadonlyArray<readonly [string, string]> = [
  ...Array.from({ length: 5 }, () => ["mail", "send_receipt"] as const),
  ...Array.from({ length: 3 }, () => ["mail", "send_welcome"] as const),
  ["mail", "send_digest"],
  ...Array.from({ length: 4 }, () => ["webhooks", "deliver"] as const),
  ["webhooks", "redeliver"],
  ...Array.from({ length: 2 }, () => ["default", "sync_account"] as const),
  ["default", "refresh_cache"],
  ["default", "cleanup"],
  ["reports", "render_pdf"],
  ["reports", "export_csv"],
  ["media", "transcode"],
  ["media", "thumbnail"],
  ["billing", "charge"],
  ["billing", "invoice"]
]
const KIND_QUEUES = KINDS.map((k) => k[0])
const KIND_TYPES = KINDS.map((k) => k[1])

/** Error messages a failed attempt records (one per attempt, like a flaky upstream would give). */
const ERRORS = ["ECONNRESET: socket hang up", "timeout after 30000 ms", "HTTP 503 from upstream", "validation failed: missing field email"]

/** Share of finished jobs that end failed (after 3 attempts) and cancelled; the rest completed. */
export const SEED_FAILED_SHARE = 0.05
export const SEED_CANCELLED_SHARE = 0.03

/** A row's pseudo-random number in [0, 1) for draw `k`: a hash of its index, so a seed is reproducible and needs no volatile function. */
const u = (sql: postgres.Sql, k: number) => sql`((hashint8extended(g.i, ${k}) & 1048575)::float8 / 1048576.0)`

/**
 * 1,024 payloads (~130-480 bytes) and results (~60-150 bytes), built once per statement and picked per row
 * by hash: building a jsonb per row took about half of a seed's time. No `order by` on the inserts either:
 * generate_series yields indexes in order and the plan keeps it (ids follow finish time).
 */
const variants = (sql: postgres.Sql) => sql`
  select array_agg(jsonb_build_object('account_id', hashint8extended(k, 8) & 1048575,
                                      'email', 'user' || (hashint8extended(k, 9) & 1048575) || '@example.com', 'locale', 'en-US',
                                      'data', repeat(md5(k::text), (1 + k % 12)::int)) order by k) as payloads,
         array_agg(jsonb_build_object('ok', true, 'duration_ms', hashint8extended(k, 10) & 32767,
                                      'output', repeat(md5(k::text), (1 + k % 4)::int)) order by k) as results
  from generate_series(0, 1023) k`

/**
 * Inserts finished jobs `from`..`to` (inclusive) of `total`, in one statement. Job i finishes at
 * `start + (i + 0.5) / total * span`, so ids follow finish (and creation) time as in a real table; it
 * waited 0-5 s in the queue and ran 50 ms to 30 s. Completed jobs carry a result (and 5 % needed a
 * second attempt, with one error in their history), failed ones three attempts of error history with
 * stacks, cancelled ones were cancelled while pending. 
 * The counting triggers (0020) fire as for any insert: counts, kinds and throughput buckets follow.
 */
export const insertFinishedJobs = (
  sql: postgres.Sql,
  p: { readonly from: number; readonly to: number; readonly total: number; readonly start: Date; readonly spanMs: number; readonly run: string }
) => sql`
  insert into jobs (created_at, run_at, max_attempts, priority, queue, type, idempotency_key, attempts, leased_at,
                    status, updated_at, completed_at, completed_token, completed_worker, result, last_error, errors, payload)
  select r.fin - r.ran - r.waited, r.fin - r.ran - r.waited, 3, r.priority, r.queue, r.type, r.ikey,
         case r.status when 'completed' then r.tries when 'failed' then 3 else 0 end,
         case when r.status = 'cancelled' then null else r.fin - r.ran end,
         r.status::job_status, r.fin,
         case when r.status = 'completed' then null else r.fin end,
         case when r.status = 'completed' then md5(${p.run} || r.i::text)::uuid end,
         case when r.status = 'completed' then 'worker-' || (r.i % 24) end,
         case when r.status = 'completed' then r.results[(1 + r.i % 1024)::int] end,
         case when r.status = 'failed' then r.errs->2->>'message' end,
         case when r.status = 'failed' then r.errs when r.status = 'completed' and r.tries = 2 then jsonb_build_array(r.errs->0) end,
         r.payload
  from (
    select g.i, x.fin, x.queue, x.type, v.results,
           make_interval(secs => 0.05 + 30 * power(${u(sql, 2)}, 3)) as ran,
           make_interval(secs => 5 * ${u(sql, 3)}) as waited,
           case when ${u(sql, 4)} < ${SEED_FAILED_SHARE} then 'failed'
                when ${u(sql, 4)} < ${SEED_FAILED_SHARE + SEED_CANCELLED_SHARE} then 'cancelled' else 'completed' end as status,
           case when ${u(sql, 5)} < 0.05 then 2 else 1 end as tries,
           case when ${u(sql, 6)} < 0.1 then 10 when ${u(sql, 6)} < 0.15 then -5 else 0 end as priority,
           case when ${u(sql, 7)} < 0.2 then 'seed-' || ${p.run} || '-' || g.i end as ikey,
           (select jsonb_agg(jsonb_build_object(
                     'attempt', a, 'message', (${ERRORS}::text[])[(1 + (g.i + a) % ${ERRORS.length})::int],
                     'at', to_char((x.fin - make_interval(secs => 60 * (3 - a))) at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.MS"Z"'),
                     'stack', 'Error: ' || (${ERRORS}::text[])[(1 + (g.i + a) % ${ERRORS.length})::int] || E'\n    at handler (/srv/app/handlers/' || x.type || E'.js:42:11)\n    at runJob (/srv/app/worker.js:118:5)')
                   order by a)
            from generate_series(1, 3) a) as errs,
           v.payloads[(1 + (hashint8extended(g.i, 8) & 1023))::int] as payload
    from generate_series(${p.from}::int8, ${p.to}::int8) g(i)
    cross join (${variants(sql)}) v
    cross join lateral (
      select ${p.start}::timestamptz + make_interval(secs => (g.i + 0.5) * ${p.spanMs}::float8 / ${p.total}::float8 / 1000) as fin,
             (${KIND_QUEUES}::text[])[(1 + (hashint8extended(g.i, 1) & 1048575) % ${KINDS.length})::int] as queue,
             (${KIND_TYPES}::text[])[(1 + (hashint8extended(g.i, 1) & 1048575) % ${KINDS.length})::int] as type
    ) x
  ) r`

/** Inserts pending jobs `from`..`to` of `total`, created over the `spanMs` before `end`; one in ten is delayed up to an hour. */
export const insertPendingJobs = (
  sql: postgres.Sql,
  p: { readonly from: number; readonly to: number; readonly total: number; readonly end: Date; readonly spanMs: number }
) => sql`
  insert into jobs (created_at, run_at, max_attempts, priority, queue, type, attempts, status, updated_at, payload)
  select x.created, case when ${u(sql, 11)} < 0.1 then x.created + make_interval(secs => 3600 * ${u(sql, 12)}) else x.created end,
         3, case when ${u(sql, 13)} < 0.1 then 10 else 0 end, x.queue, x.type, 0, 'pending', x.created,
         v.payloads[(1 + (hashint8extended(g.i, 14) & 1023))::int]
  from generate_series(${p.from}::int8, ${p.to}::int8) g(i)
  cross join (${variants(sql)}) v
  cross join lateral (
    select ${p.end}::timestamptz - make_interval(secs => (${p.total}::float8 - g.i) * ${p.spanMs}::float8 / ${p.total}::float8 / 1000) as created,
           (${KIND_QUEUES}::text[])[(1 + (hashint8extended(g.i, 10) & 1048575) % ${KINDS.length})::int] as queue,
           (${KIND_TYPES}::text[])[(1 + (hashint8extended(g.i, 10) & 1048575) % ${KINDS.length})::int] as type
  ) x`
