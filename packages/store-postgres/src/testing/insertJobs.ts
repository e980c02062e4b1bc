import type postgres from "postgres"

/** Options of rows inserted by `insertJobs`; every row is a coherent pending job. */
export interface InsertJobsOptions {
  readonly queue?: string
  readonly type?: string
  /** Same payload for every row; when absent each row gets `{ i }` (its index). */
  readonly payload?: unknown
  readonly priority?: number
  readonly runAt?: Date
  readonly maxAttempts?: number
}

/** Inserts n pending jobs in one statement, bypassing the store (fixtures and benchmarks); returns their ids. */
export const insertJobs = async (sql: postgres.Sql, n: number, opts: InsertJobsOptions = {}): Promise<number[]> => {
  const rows = await sql<{ id: number }[]>`
    insert into jobs (created_at, run_at, max_attempts, priority, queue, type, status, attempts, updated_at, payload)
    select now(), coalesce(${opts.runAt ?? null}::timestamptz, now()), ${opts.maxAttempts ?? 3}, ${opts.priority ?? 0},
           ${opts.queue ?? "default"}, ${opts.type ?? "test"}, 'pending', 0, now(),
           coalesce(${sql.json((opts.payload ?? null) as never)}::jsonb, jsonb_build_object('i', g.i))
    from generate_series(0, ${n}::int - 1) g(i)
    order by g.i
    returning id`
  return rows.map((r) => Number(r.id))
}
