import type postgres from "postgres"

/** A table of the same shape as `jobs` (columns, constraints, indexes, fillfactor) for the raw baseline. */
export const createRawTable = async (sql: postgres.Sql): Promise<void> => {
  await sql`drop table if exists raw_jobs`
  await sql`create table raw_jobs (like jobs including all)`
  const [row] = await sql<{ options: string[] | null }[]>`select reloptions as options from pg_class where relname = 'jobs'`
  for (const option of row?.options ?? []) await sql.unsafe(`alter table raw_jobs set (${option})`)
}

/** The bare lease: one UPDATE over a SKIP LOCKED subselect, returning the rows. */
export const rawLease = (sql: postgres.Sql, workerId: string, queue: string, n: number) =>
  sql<{ id: number }[]>`
    update raw_jobs set status = 'processing', attempts = attempts + 1, worker_id = ${workerId},
           lease_token = gen_random_uuid(), leased_at = now(), lease_expires_at = now() + interval '60 seconds',
           lease_seconds = 60, updated_at = now()
    where id in (
      select id from raw_jobs
      where queue = ${queue} and status in ('pending', 'retrying') and run_at <= now()
      order by priority desc, run_at, id
      limit ${n}
      for update skip locked)
    returning *`

/** The bare complete: one UPDATE ... = ANY over the ids. */
export const rawComplete = (sql: postgres.Sql, ids: number[]) => sql`
  update raw_jobs set status = 'completed', completed_at = now(), updated_at = now(), lease_token = null,
         lease_expires_at = null, worker_id = null
  where id = any(${ids}::bigint[])`

/** Fills raw_jobs with n pending jobs shaped like the store's. */
export const rawInsert = (sql: postgres.Sql, queue: string, n: number) => sql`
  insert into raw_jobs (created_at, run_at, max_attempts, priority, queue, type, status, attempts, updated_at, payload)
  select now(), now(), 3, 0, ${queue}, 'bench', 'pending', 0, now(), jsonb_build_object('i', g.i)
  from generate_series(0, ${n}::int - 1) g(i)`
