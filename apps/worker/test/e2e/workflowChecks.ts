import type postgres from "postgres"
import { API_BASE } from "@leasehold/contracts"

/** One job of a generated graph: its key, handler type and the keys it depends on. */
export interface DagJob {
  readonly key: string
  readonly type: string
  readonly depends_on: ReadonlyArray<string>
  readonly payload?: unknown
}

/**
 * A seeded random DAG of `size` jobs: each depends on 0..3 of the 100 jobs before it (so the graph is
 * deep as well as wide: chains, fan-out and fan-in), keys in creation order.
 */
export const randomDag = (random: () => number, size: number, type = "record"): Array<DagJob> =>
  Array.from({ length: size }, (_, i) => {
    const deps = new Set<string>()
    const wanted = i === 0 ? 0 : Math.floor(random() * 4)
    for (let d = 0; d < wanted; d++) deps.add(`n${Math.max(0, i - 1 - Math.floor(random() * 100))}`)
    return { key: `n${i}`, type, depends_on: [...deps] }
  })

/** POSTs a JSON body to the master's API and answers the parsed body (throws on a non-2xx). */
export const post = async (master: string, path: string, body: unknown) => {
  const res = await fetch(`${master}${API_BASE}${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  const json = (await res.json()) as any
  if (!res.ok) throw new Error(`POST ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/** GETs from the master's API. */
export const get = async (master: string, path: string) => {
  const res = await fetch(`${master}${API_BASE}${path}`)
  const json = (await res.json()) as any
  if (!res.ok) throw new Error(`GET ${path}: ${res.status} ${JSON.stringify(json)}`)
  return json
}

/**
 * Every job of the workflow against the graph it was declared with, from the database: each handler
 * start (first `e2e_runs` row) later than or at the completion of every dependency (a completed job's
 * completed_at as the API derives it), every job completed.
 * Answers the violations as sentences (empty when the run was right).
 */
export const orderViolations = async (sql: postgres.Sql, workflowId: number, dag: ReadonlyArray<DagJob>): Promise<Array<string>> => {
  const rows = await sql<{ key: string; status: string; completed_at: Date | null; first_start: Date | null; starts: number }[]>`
    select j.key, j.status, case when j.status = 'completed' then coalesce(j.completed_at, j.updated_at) end as completed_at, r.first_start, coalesce(r.starts, 0)::int as starts
    from jobs j
    left join (select job_id, min(at) as first_start, count(*) as starts from e2e_runs group by job_id) r on r.job_id = j.id
    where j.workflow_id = ${workflowId}`
  const byKey = new Map(rows.map((r) => [r.key, r] as const))
  const out: Array<string> = []
  if (rows.length !== dag.length) out.push(`${rows.length} jobs in the database, ${dag.length} declared`)
  for (const job of dag) {
    const row = byKey.get(job.key)
    if (row === undefined) {
      out.push(`${job.key} missing`)
      continue
    }
    if (row.status !== "completed") out.push(`${job.key} is ${row.status}`)
    if (row.first_start === null) {
      out.push(`${job.key} never started`)
      continue
    }
    for (const d of job.depends_on) {
      const dep = byKey.get(d)
      if (dep?.completed_at == null) out.push(`${job.key} started while ${d} had not completed`)
      else if (row.first_start.getTime() < dep.completed_at.getTime())
        out.push(`${job.key} started at ${row.first_start.toISOString()}, before ${d} completed at ${dep.completed_at.toISOString()}`)
    }
  }
  return out
}

/**
 * The rule over the whole jobs table: no job is blocked while every job it depends on (by key, in its
 * workflow) has completed. Answers the ids of offenders.
 */
export const blockedWithDependenciesMet = async (sql: postgres.Sql): Promise<Array<number>> => {
  const rows = await sql<{ id: string }[]>`
    select j.id from jobs j
    where j.status = 'blocked'
      and not exists (
        select 1 from unnest(j.depends_on) as d(key)
        join jobs p on p.workflow_id = j.workflow_id and p.key = d.key
        where p.status <> 'completed'
      )`
  return rows.map((r) => Number(r.id))
}
