import type { DependencyOutcome } from "@leasehold/contracts"
import type { MemoryRow } from "./MemoryState.ts"

/** A job that left or re-entered the graph's flow, with the moment it did (settled at the end of the store call). */
export interface MemoryWorkflowEvent {
  readonly row: MemoryRow
  readonly at: Date
}

/**
 * Every workflow of a memory store, plus the jobs whose end (or admin retry) has not been settled yet.
 * Store calls record into `ended` / `reopened` as rows change and settle both before they answer, the
 * way PostgreSQL settles inside the statement's transaction: nothing outside a call sees them unsettled.
 */
export interface MemoryWorkflowBook {
  nextId: number
  readonly byId: Map<number, MemoryWorkflow>
  readonly idempotency: Map<string, number>
  readonly ended: Array<MemoryWorkflowEvent>
  readonly reopened: Array<MemoryWorkflowEvent>
}

/** One workflow: its jobs by key and, for each key, the keys that depend on it. */
export interface MemoryWorkflow {
  readonly id: number
  readonly name: string | null
  readonly idempotencyKey: string | null
  readonly createdAt: Date
  readonly jobs: Map<string, MemoryRow>
  readonly dependents: Map<string, Array<string>>
  readonly book: MemoryWorkflowBook
}

/** An empty book. */
export const newWorkflowBook = (): MemoryWorkflowBook => ({ nextId: 1, byId: new Map(), idempotency: new Map(), ended: [], reopened: [] })

/** The direct dependencies of a workflow job, by id ascending (the order PostgreSQL names a failed one in). */
export const dependencyRows = (row: MemoryRow): Array<MemoryRow> => {
  const link = row.workflow
  if (link === null) return []
  const rows: Array<MemoryRow> = []
  for (const key of link.dependsOn) {
    const dep = link.graph.jobs.get(key)
    if (dep !== undefined) rows.push(dep)
  }
  return rows.sort((a, b) => a.id - b.id)
}

/** `waiting_for` of a blocked job: its dependencies not completed, by key; undefined for any other row. */
export const waitingFor = (row: MemoryRow): Array<string> | undefined =>
  row.status !== "blocked" || row.workflow === null
    ? undefined
    : dependencyRows(row)
        .filter((d) => d.status !== "completed")
        .map((d) => d.workflow!.key)
        .sort()

/** A leased workflow job's `dependencies`: each direct dependency's id, status and result, by key. */
export const dependencyOutcomes = (row: MemoryRow): Record<string, DependencyOutcome> => {
  const out: Record<string, DependencyOutcome> = {}
  for (const dep of dependencyRows(row)) {
    out[dep.workflow!.key] = { job_id: dep.id, status: dep.status, result: dep.result === undefined ? null : structuredClone(dep.result) }
  }
  return out
}
