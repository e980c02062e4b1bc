import type postgres from "postgres"

/** A workflow is finished and old when every job of it finished before `before` (a fragment over `w.id`). */
const finishedBefore = (sql: postgres.Sql, id: postgres.Fragment, before: Date) => sql`
  not exists (
    select 1 from jobs j
    where j.workflow_id = ${id}
      and (j.status not in ('completed', 'failed', 'cancelled') or coalesce(j.completed_at, j.updated_at) >= ${before}::timestamptz)
  )`

/**
 * Deletes up to `limit` whole workflows whose jobs all finished before `before`, with their jobs and
 * edges; answers how many jobs went. A workflow is never pruned in part, and never after something
 * reopened it.
 *
 * Why two statements. One statement that checks and deletes decides on its snapshot: a retry committed
 * after that snapshot (or in flight, the delete waiting for its row lock) made a job pending, and the
 * delete, which re-checks only its own join condition, deleted it anyway (pruneWorkflows.integration
 * test). So the first statement locks the candidates, the workflow row and every job of it, without
 * waiting (SKIP LOCKED: a workflow someone is changing is left for the next pass, and the pruner never
 * waits while holding locks, so it cannot deadlock with a writer); the second, with a snapshot taken
 * after those locks, checks again that every job is finished and old and that it locked all of them
 * (a job added meanwhile is not locked), and deletes only those workflows. Nothing can change a locked
 * job until the transaction ends.
 */
export const pruneWorkflows = (sql: postgres.Sql, before: Date, limit: number): Promise<number> =>
  sql.begin(async (t) => {
    const tx = t as unknown as postgres.Sql
    const locked = await tx<{ workflow_id: number; n: number }[]>`
      with w as (
        select w.id from workflows w
        where w.created_at < ${before}::timestamptz and ${finishedBefore(tx, tx`w.id`, before)}
        order by w.id
        limit ${limit}
        for update of w skip locked
      )
      select j.workflow_id, count(*)::int as n
      from (select j.id, j.workflow_id from jobs j where j.workflow_id in (select id from w) order by j.id for update of j skip locked) j
      group by 1`
    if (locked.length === 0) return 0
    const [r] = await tx<{ n: number }[]>`
      with w as (
        select l.id from unnest(${locked.map((l) => l.workflow_id)}::bigint[], ${locked.map((l) => l.n)}::int[]) l(id, locked)
        where l.locked = (select count(*) from jobs j where j.workflow_id = l.id) and ${finishedBefore(tx, tx`l.id`, before)}
      ),
      dj as (delete from jobs j using w where j.workflow_id = w.id returning j.id),
      de as (delete from workflow_edges e using dj where e.job_id = dj.id returning 1),
      dw as (delete from workflows x using w where x.id = w.id returning 1)
      select (select count(*) from dj)::int as n where (select count(*) from de) >= 0 and (select count(*) from dw) >= 0`
    return r?.n ?? 0
  }) as Promise<number>
