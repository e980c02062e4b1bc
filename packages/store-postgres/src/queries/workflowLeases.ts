import type postgres from "postgres"
import type { DependencyOutcome, LeasedJob } from "@leasehold/contracts"

/**
 * Adds `workflow: {id, key}` and `dependencies` (each direct dependency's job id, status and result, by key)
 * to the leased jobs of workflows: one query for the whole lease, through workflow_edges_dependent_idx. The
 * lease calls it only when a leased row has a workflow_id, so plain leases never pay the round trip.
 */
export const withDependencies = async (sql: postgres.Sql, jobs: ReadonlyArray<LeasedJob>): Promise<Array<LeasedJob>> => {
  const ids = jobs.filter((j) => j.workflow_id !== null).map((j) => j.id)
  const rows = await sql<{ dependent_id: string; job_id: string; key: string; status: DependencyOutcome["status"]; result: unknown }[]>`
    select e.dependent_id, p.id as job_id, p.key, p.status, p.result
    from workflow_edges e join jobs p on p.id = e.job_id
    where e.dependent_id = any(${ids}::bigint[])`
  const byJob = new Map<number, Record<string, DependencyOutcome>>()
  for (const r of rows) {
    const deps = byJob.get(Number(r.dependent_id)) ?? {}
    deps[r.key] = { job_id: Number(r.job_id), status: r.status, result: r.result ?? null }
    byJob.set(Number(r.dependent_id), deps)
  }
  return jobs.map((j) =>
    j.workflow_id === null || j.key === null
      ? j
      : { ...j, workflow: { id: j.workflow_id, key: j.key }, dependencies: byJob.get(j.id) ?? {} }
  )
}
