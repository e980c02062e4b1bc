import { MAX_WORKFLOW_JOBS, type WorkflowStatus } from "@leasehold/contracts"
import { storeError, type StoreError } from "../errors.ts"
import type { NewWorkflowJob } from "../WorkflowStore.ts"

const KEY = /^[A-Za-z0-9_.:-]{1,200}$/

/** The direct dependencies of a job, each key once, in the order given. */
export const dependencyKeys = (job: NewWorkflowJob): ReadonlyArray<string> => [...new Set(job.dependsOn ?? [])]

/**
 * Finds one cycle among `jobs` (edges job -> each dependency), iteratively (10,000 jobs deep is fine):
 * the keys of the cycle in dependency order, starting anywhere on it, or null for a DAG.
 */
export const findCycle = (jobs: ReadonlyArray<NewWorkflowJob>): ReadonlyArray<string> | null => {
  const deps = new Map<string, ReadonlyArray<string>>()
  for (const job of jobs) deps.set(job.key, dependencyKeys(job))
  const state = new Map<string, 1 | 2>() // 1 on the current path, 2 done
  for (const start of deps.keys()) {
    if (state.has(start)) continue
    const path: Array<string> = []
    const stack: Array<{ key: string; next: number }> = [{ key: start, next: 0 }]
    state.set(start, 1)
    path.push(start)
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      const edges = deps.get(top.key) ?? []
      if (top.next >= edges.length) {
        state.set(top.key, 2)
        stack.pop()
        path.pop()
        continue
      }
      const dep = edges[top.next++]!
      if (!deps.has(dep)) continue // an existing job of the workflow: it cannot depend on a new one
      const seen = state.get(dep)
      if (seen === 1) return path.slice(path.indexOf(dep))
      if (seen === undefined) {
        state.set(dep, 1)
        path.push(dep)
        stack.push({ key: dep, next: 0 })
      }
    }
  }
  return null
}

/**
 * Checks a create or add request against SPEC "Precise rules: Workflows": 1..10,000 jobs, well-formed keys,
 * no key twice (the later index is named), dependencies that name a key of the request or of `existing`,
 * and no cycle (`details.cycle`). Returns null when valid.
 */
export const validateWorkflowJobs = (
  jobs: ReadonlyArray<NewWorkflowJob>,
  existing: ReadonlySet<string> = new Set()
): StoreError | null => {
  if (jobs.length === 0) return storeError("Validation", "a workflow request needs at least one job")
  if (jobs.length > MAX_WORKFLOW_JOBS) return storeError("Validation", `at most ${MAX_WORKFLOW_JOBS} jobs per workflow request`)
  const keys = new Map<string, number>()
  for (let index = 0; index < jobs.length; index++) {
    const key = jobs[index]!.key
    if (!KEY.test(key)) return storeError("Validation", `invalid key at index ${index}: must match [A-Za-z0-9_.:-]{1,200}`, { index })
    if (keys.has(key)) return storeError("Validation", `duplicate key ${key} at index ${index} (first at index ${keys.get(key)})`, { index })
    keys.set(key, index)
  }
  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index]!
    for (const dep of dependencyKeys(job)) {
      if (dep === job.key) return storeError("Validation", `job ${job.key} at index ${index} depends on itself`, { index, cycle: [job.key] })
      if (!keys.has(dep) && !existing.has(dep)) {
        return storeError("Validation", `job ${job.key} at index ${index} depends on unknown key ${dep}`, { index })
      }
    }
  }
  const cycle = findCycle(jobs)
  if (cycle) return storeError("Validation", `dependency cycle: ${[...cycle, cycle[0]].join(" -> ")}`, { cycle })
  return null
}

/** Counts of a workflow's jobs by status, all seven present. */
export type StatusCounts = Record<"blocked" | "pending" | "processing" | "retrying" | "completed" | "failed" | "cancelled", number>

/** A workflow's status from its counts: running while any job is not terminal, then how it ended. */
export const workflowStatusOf = (c: StatusCounts): WorkflowStatus => {
  if (c.blocked + c.pending + c.processing + c.retrying > 0) return "running"
  if (c.failed > 0) return "failed"
  if (c.cancelled > 0) return "cancelled"
  return "completed"
}
