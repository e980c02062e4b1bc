import { MAX_PAYLOAD_BYTES, type AddedWorkflowJob, type JobStatus, type Workflow, type WorkflowSummary } from "@leasehold/contracts"
import { storeError, type StoreError } from "../errors.ts"
import { dependencyKeys, validateWorkflowJobs, workflowStatusOf } from "../workflows/workflowGraph.ts"
import type { NewWorkflowJob, WorkflowLeaseProof } from "../WorkflowStore.ts"
import { decodeCursor, encodeCursor, finishedAt, holdsLease, isStoreError, isTerminal, iso, jsonCopy, newPendingRow, type MemoryRow, type MemoryState } from "./MemoryState.ts"
import { emptyCounts } from "./memoryCounts.ts"
import { checkNewJob } from "./memoryValidation.ts"
import type { MemoryWorkflow } from "./memoryWorkflowGraph.ts"
import { judgeBlocked, settleWorkflows } from "./memoryWorkflowSettle.ts"

const notFound = (id: number) => storeError("NotFound", `workflow ${id} not found`, { workflow_id: id })

/** The request's jobs in an order where each comes after the new jobs it depends on (the graph is acyclic). */
const dependencyOrder = (jobs: ReadonlyArray<NewWorkflowJob>): Array<NewWorkflowJob> => {
  const byKey = new Map(jobs.map((j) => [j.key, j] as const))
  const placed = new Set<string>()
  const out: Array<NewWorkflowJob> = []
  for (const root of jobs) {
    const stack: Array<{ job: NewWorkflowJob; next: number }> = [{ job: root, next: 0 }]
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!
      if (placed.has(top.job.key)) {
        stack.pop()
        continue
      }
      const deps = dependencyKeys(top.job)
      const dep = deps[top.next++]
      if (dep === undefined) {
        placed.add(top.job.key)
        out.push(top.job)
        stack.pop()
      } else if (!placed.has(dep) && byKey.has(dep)) stack.push({ job: byKey.get(dep)!, next: 0 })
    }
  }
  return out
}

/** Each job's own checks (what PostgreSQL's constraints refuse), with its index in the request. */
const checkJobs = (jobs: ReadonlyArray<NewWorkflowJob>): StoreError | null => {
  for (let index = 0; index < jobs.length; index++) {
    const job = jobs[index]!
    const bad = checkNewJob(job, index)
    if (bad !== null) return bad
    if (Buffer.byteLength(JSON.stringify(job.payload ?? null)) > MAX_PAYLOAD_BYTES) {
      return storeError("PayloadTooLarge", `payload exceeds 1 MiB (index ${index})`, { index })
    }
  }
  return null
}

/** Inserts the new jobs blocked, links them into the graph, then judges each in dependency order. */
const insertJobs = (state: MemoryState, graph: MemoryWorkflow, jobs: ReadonlyArray<NewWorkflowJob>, now: Date): void => {
  const rows: Array<MemoryRow> = []
  for (const job of jobs) {
    const row = newPendingRow(
      state,
      {
        queue: job.queue ?? "default",
        type: job.type,
        payload: jsonCopy(job.payload),
        priority: job.priority ?? 0,
        runAt: job.runAt ?? now,
        maxAttempts: job.maxAttempts ?? 3,
        idempotencyKey: null,
        concurrencyKey: job.concurrencyKey ?? null,
        scan: null
      },
      now
    )
    const dependsOn = dependencyKeys(job)
    row.status = "blocked" // created blocked, judged below (SPEC: no dependency starts pending)
    row.workflow = {
      id: graph.id,
      graph,
      key: job.key,
      dependsOn,
      runOnDependencyFailure: job.onDependencyFailure === "run",
      delayMs: job.runAt === undefined ? (job.delayMs ?? 0) : 0
    }
    state.rows.set(row.id, row)
    graph.jobs.set(job.key, row)
    for (const dep of dependsOn) graph.dependents.set(dep, [...(graph.dependents.get(dep) ?? []), job.key])
    rows.push(row)
  }
  for (const job of dependencyOrder(jobs)) {
    const row = graph.jobs.get(job.key)!
    if (judgeBlocked(row, now)) state.workflows.ended.push({ row, at: now })
  }
  settleWorkflows(state)
}

const summaryOf = (graph: MemoryWorkflow): WorkflowSummary => {
  const counts = emptyCounts()
  let updated = graph.createdAt.getTime()
  let finished = 0
  for (const row of graph.jobs.values()) {
    counts[row.status]++
    updated = Math.max(updated, row.updatedAt.getTime())
    finished = Math.max(finished, finishedAt(row))
  }
  const status = workflowStatusOf(counts)
  return {
    id: graph.id,
    name: graph.name,
    status,
    created_at: iso(graph.createdAt),
    updated_at: iso(new Date(updated)),
    finished_at: status === "running" ? null : iso(new Date(finished)),
    counts
  }
}

const workflowOf = (graph: MemoryWorkflow): Workflow => ({
  ...summaryOf(graph),
  jobs: [...graph.jobs.values()]
    .sort((a, b) => a.id - b.id)
    .map((r) => ({ job_id: r.id, key: r.workflow!.key, type: r.type, queue: r.queue, status: r.status as JobStatus, depends_on: [...r.workflow!.dependsOn] }))
})

/** Whether the proof names a live (unexpired) lease of a job of this workflow. */
const holdsLiveLease = (graph: MemoryWorkflow, proof: WorkflowLeaseProof, now: Date): boolean => {
  const row = [...graph.jobs.values()].find((r) => r.id === proof.jobId)
  return (
    row !== undefined &&
    holdsLease(row, proof.workerId, proof.leaseToken) &&
    row.leaseExpiresAt !== null &&
    row.leaseExpiresAt.getTime() >= now.getTime()
  )
}

/** The workflow port's operations on the memory store's state; each is synchronous, so atomic. */
export const memoryWorkflowOps = (state: MemoryState) => {
  const book = state.workflows
  const find = (id: number): StoreError | MemoryWorkflow => book.byId.get(id) ?? notFound(id)
  return {
    create: (p: { readonly name?: string | undefined; readonly jobs: ReadonlyArray<NewWorkflowJob>; readonly idempotencyKey?: string | undefined }, now: Date) => {
      const invalid = validateWorkflowJobs(p.jobs) ?? checkJobs(p.jobs)
      if (invalid !== null) return invalid
      if (p.name !== undefined && (p.name.length < 1 || p.name.length > 200)) return storeError("Validation", "name must be 1..200 characters")
      const known = p.idempotencyKey === undefined ? undefined : book.idempotency.get(p.idempotencyKey)
      if (known !== undefined) return { workflow: workflowOf(book.byId.get(known)!), duplicate: true }
      const graph: MemoryWorkflow = {
        id: book.nextId++,
        name: p.name ?? null,
        idempotencyKey: p.idempotencyKey ?? null,
        createdAt: now,
        jobs: new Map(),
        dependents: new Map(),
        book
      }
      book.byId.set(graph.id, graph)
      if (p.idempotencyKey !== undefined) book.idempotency.set(p.idempotencyKey, graph.id)
      insertJobs(state, graph, p.jobs, now)
      return { workflow: workflowOf(graph), duplicate: false }
    },
    add: (p: { readonly workflowId: number; readonly jobs: ReadonlyArray<NewWorkflowJob>; readonly lease?: WorkflowLeaseProof | undefined }, now: Date) => {
      const graph = find(p.workflowId)
      if (isStoreError(graph)) return graph
      const tooBig = checkJobs(p.jobs)
      if (tooBig !== null) return tooBig
      if (p.lease !== undefined) {
        if (!holdsLiveLease(graph, p.lease, now)) {
          return storeError("LeaseLost", `job ${p.lease.jobId} holds no live lease with this token in workflow ${graph.id}`, { job_id: p.lease.jobId })
        }
      } else if ([...graph.jobs.values()].every((r) => isTerminal(r.status))) {
        return storeError("InvalidTransition", `workflow ${graph.id} is finished: jobs cannot be added`, { workflow_id: graph.id })
      }
      const invalid = validateWorkflowJobs(p.jobs, new Set(graph.jobs.keys()))
      if (invalid !== null) return invalid
      const existing = new Map([...graph.jobs].map(([key, row]) => [key, row.id] as const))
      insertJobs(state, graph, p.jobs.filter((j) => !existing.has(j.key)), now)
      return p.jobs.map(
        (j): AddedWorkflowJob => ({ job_id: existing.get(j.key) ?? graph.jobs.get(j.key)!.id, key: j.key, duplicate: existing.has(j.key) })
      )
    },
    get: (id: number) => {
      const graph = find(id)
      return isStoreError(graph) ? graph : workflowOf(graph)
    },
    list: (p: { readonly status?: WorkflowSummary["status"] | undefined; readonly limit: number; readonly cursor?: string | undefined }) => {
      const after = p.cursor === undefined ? 0 : decodeCursor(p.cursor)
      if (isStoreError(after)) return after
      if (!Number.isInteger(p.limit) || p.limit < 1 || p.limit > 500) return storeError("Validation", "limit must be in 1..500")
      const page = [...book.byId.values()]
        .filter((g) => g.id > after)
        .sort((a, b) => a.id - b.id)
        .map(summaryOf)
        .filter((w) => p.status === undefined || w.status === p.status)
        .slice(0, p.limit + 1)
      const workflows = page.slice(0, p.limit)
      const last = workflows[workflows.length - 1]
      return { workflows, next_cursor: page.length > p.limit && last !== undefined ? encodeCursor(last.id) : null }
    },
    cancel: (id: number, now: Date) => {
      const graph = find(id)
      if (isStoreError(graph)) return graph
      const live = [...graph.jobs.values()].filter((r) => !isTerminal(r.status)).sort((a, b) => a.id - b.id)
      if (live.length === 0) return storeError("InvalidTransition", `workflow ${id} is finished: nothing to cancel`, { workflow_id: id })
      for (const row of live) {
        row.status = "cancelled"
        row.workerId = null
        row.leaseToken = null
        row.leasedAt = null
        row.leaseSeconds = null
        row.leaseExpiresAt = null
        row.updatedAt = now
        row.completedAt = now
      }
      return workflowOf(graph)
    },
    retry: (id: number, now: Date) => {
      const graph = find(id)
      if (isStoreError(graph)) return graph
      for (const row of [...graph.jobs.values()].sort((a, b) => a.id - b.id)) {
        if (row.status !== "failed" && row.status !== "cancelled") continue
        row.status = "pending"
        row.attempts = 0
        row.runAt = now
        if (row.lastError?.startsWith("dependency ") === true) row.lastError = null
        book.reopened.push({ row, at: now })
      }
      settleWorkflows(state)
      return workflowOf(graph)
    },
    /** Deletes up to `limit` whole workflows whose jobs all finished before `before`; answers the jobs deleted. */
    prune: (before: Date, limit: number) => {
      let deleted = 0
      const done = [...book.byId.values()]
        .filter(
          (g) =>
            g.createdAt.getTime() < before.getTime() &&
            [...g.jobs.values()].every((r) => isTerminal(r.status) && finishedAt(r) < before.getTime())
        )
        .sort((a, b) => a.id - b.id)
        .slice(0, limit)
      for (const g of done) {
        for (const row of g.jobs.values()) state.rows.delete(row.id)
        deleted += g.jobs.size
        book.byId.delete(g.id)
        if (g.idempotencyKey !== null) book.idempotency.delete(g.idempotencyKey)
      }
      return deleted
    }
  }
}
