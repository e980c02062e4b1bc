import type postgres from "postgres"

/** Records a worker's call; last_seen_at never moves backwards. */
export const touchWorker = (sql: postgres.Sql, workerId: string, now: Date | null) => sql`
  insert into workers (worker_id, last_seen_at) values (${workerId}, coalesce(${now}::timestamptz, now()))
  on conflict (worker_id) do update set last_seen_at = excluded.last_seen_at
  where workers.last_seen_at < excluded.last_seen_at`

/** Workers seen since `since`, each with the live (unexpired) leases it holds. */
export const listWorkers = (sql: postgres.Sql, since: Date, now: Date | null) =>
  sql<{ worker_id: string; last_seen_at: Date; in_flight: number }[]>`
    with t as materialized (select coalesce(${now}::timestamptz, now()) as now),
    held as (
      select j.worker_id, count(*)::int as n from jobs j cross join t
      where j.status = 'processing' and j.lease_expires_at >= t.now
      group by j.worker_id
    )
    select w.worker_id, w.last_seen_at, coalesce(h.n, 0)::int as in_flight
    from workers w left join held h on h.worker_id = w.worker_id
    where w.last_seen_at >= ${since}::timestamptz
    order by w.worker_id`

/** How many workers were seen since `since` (stats' active workers). */
export const countWorkers = (sql: postgres.Sql, since: Date) =>
  sql<{ n: number }[]>`select count(*)::int as n from workers where last_seen_at >= ${since}::timestamptz`
