import { addMs, isTerminal, type MemoryRow, type MemoryState } from "./MemoryState.ts"
import { memoryTransition } from "./memoryTransition.ts"
import { dependencyRows } from "./memoryWorkflowGraph.ts"

/**
 * The memory store's unblocking. It keeps no counter of unmet dependencies: a blocked job is judged again
 * from its dependencies' statuses whenever one of them ends, so there is nothing to keep exact.
 * A dependency counts as met when completed, or (under `on_dependency_failure: run`) when it ended at all.
 */
const met = (dependent: MemoryRow, dep: MemoryRow): boolean =>
  dep.status === "completed" || (dependent.workflow!.runOnDependencyFailure && isTerminal(dep.status))

/** Moves a row by a lifecycle event without the lease bookkeeping (a blocked row holds no lease). */
const move = (row: MemoryRow, event: "DEPENDENCIES_MET" | "DEPENDENCY_FAILED" | "REOPEN", at: Date): void => {
  const next = memoryTransition(row.status, row.attempts, row.maxAttempts, { type: event })
  if (next === null) throw new Error(`memory store: ${event} from ${row.status} (job ${row.id})`)
  row.status = next.status
  row.attempts = next.attempts
  row.updatedAt = at
}

/**
 * Judges a blocked job at `at`: cancelled when a dependency failed or was cancelled and its policy is
 * cancel (naming the first such dependency by id), pending when every dependency is met (due at the later
 * of its run_at and `at`, plus its creation delay on a first unblocking), else still blocked. Answers
 * whether it was cancelled.
 */
export const judgeBlocked = (row: MemoryRow, at: Date, withDelay = true): boolean => {
  if (row.status !== "blocked" || row.workflow === null) return false
  const deps = dependencyRows(row)
  const bad = row.workflow.runOnDependencyFailure ? undefined : deps.find((d) => d.status === "failed" || d.status === "cancelled")
  if (bad !== undefined) {
    move(row, "DEPENDENCY_FAILED", at)
    row.lastError = `dependency ${bad.workflow!.key} ${bad.status}`
    return true
  }
  if (deps.every((d) => met(row, d))) {
    move(row, "DEPENDENCIES_MET", at)
    const due = addMs(at, withDelay ? row.workflow.delayMs : 0)
    if (due.getTime() > row.runAt.getTime()) row.runAt = due
  }
  return false
}

/** Settles the dependents of jobs that ended, transitively (a cancelled dependent is settled in turn). */
const settleEnded = (ended: Array<{ readonly row: MemoryRow; readonly at: Date }>): void => {
  const queue = [...ended].sort((a, b) => a.row.id - b.row.id)
  for (let i = 0; i < queue.length; i++) {
    const { row, at } = queue[i]!
    const link = row.workflow!
    for (const key of link.graph.dependents.get(link.key) ?? []) {
      const dependent = link.graph.jobs.get(key)
      if (dependent !== undefined && judgeBlocked(dependent, at)) queue.push({ row: dependent, at })
    }
  }
}

/**
 * Admin retry of workflow jobs (already pending with attempts 0): they and, transitively, the dependents
 * a dependency's end cancelled go back to blocked, then each is judged again, so a job whose dependencies
 * all completed is pending at once and one with a dependency still failed is cancelled again by it.
 */
const reopen = (reopened: ReadonlyArray<{ readonly row: MemoryRow; readonly at: Date }>): void => {
  for (const { row: start, at } of reopened) {
    const family: Array<MemoryRow> = [start]
    const seen = new Set<MemoryRow>(family)
    for (let i = 0; i < family.length; i++) {
      const link = family[i]!.workflow!
      for (const key of link.graph.dependents.get(link.key) ?? []) {
        const d = link.graph.jobs.get(key)
        if (d !== undefined && !seen.has(d) && d.status === "cancelled" && d.lastError?.startsWith("dependency ") === true) {
          seen.add(d)
          family.push(d)
        }
      }
    }
    for (const row of family) {
      // The retried job is pending already (RETRY); RETRY and this together are the machine's REOPEN.
      if (row === start) row.status = "blocked"
      else move(row, "REOPEN", at)
      row.completedAt = null
      row.updatedAt = at
      if (row.lastError?.startsWith("dependency ") === true) row.lastError = null
    }
    const cancelled = family
      .sort((a, b) => a.id - b.id)
      .filter((row) => judgeBlocked(row, at, false))
      .map((row) => ({ row, at }))
    settleEnded(cancelled)
  }
}

/** Applies every recorded end and admin retry of workflow jobs; store calls run it before they answer. */
export const settleWorkflows = (state: MemoryState): void => {
  const book = state.workflows
  while (book.reopened.length > 0 || book.ended.length > 0) {
    const reopened = book.reopened.splice(0)
    reopen(reopened.filter((e) => e.row.status === "pending"))
    const ended = book.ended.splice(0)
    settleEnded(ended.filter((e) => isTerminal(e.row.status)))
  }
}
