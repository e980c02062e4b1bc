import { Effect } from "effect"
import type postgres from "postgres"
import { MAX_PAYLOAD_BYTES, type JobStatus, type Workflow, type WorkflowSummary } from "@leasehold/contracts"
import { dependencyKeys, storeError, validateWorkflowJobs, type NewWorkflowJob, type WorkflowStoreShape } from "@leasehold/core"
import { run } from "./run.ts"
import { iso } from "./rows.ts"
import { decodeCursor, encodeCursor } from "./makeReadOps.ts"
import {
  cancelWorkflowJobs,
  holdsLiveLease,
  insertWorkflow,
  insertWorkflowJobs,
  jobsByKey,
  listWorkflows,
  lockWorkflow,
  retryWorkflowJobs,
  unfinishedCount,
  workflowNodes,
  type WorkflowInsertItem,
  type WorkflowRow
} from "./queries/workflows.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/

const notFound = (id: number) => storeError("NotFound", `workflow ${id} not found`, { workflow_id: id })

/**
 * Decides each new job's initial status in dependency order: cancelled when a dependency already failed or
 * was cancelled (policy cancel, naming it), else blocked while any dependency is unfinished, else pending.
 * `existing` holds the workflow's jobs that the request names.
 */
export const planInsert = (
  jobs: ReadonlyArray<NewWorkflowJob>,
  existing: ReadonlyMap<string, JobStatus>
): Array<WorkflowInsertItem> => {
  const byKey = new Map(jobs.map((j, i) => [j.key, i] as const))
  const planned = new Map<string, WorkflowInsertItem["status"]>()
  const out = new Array<WorkflowInsertItem>(jobs.length)
  const visit = (index: number, stack: Array<number>) => stack.push(index)
  const order: Array<number> = []
  const seen = new Set<number>()
  for (let i = 0; i < jobs.length; i++) {
    const stack: Array<number> = []
    visit(i, stack)
    while (stack.length > 0) {
      const at = stack[stack.length - 1]!
      if (seen.has(at)) {
        stack.pop()
        continue
      }
      const pending = dependencyKeys(jobs[at]!).map((k) => byKey.get(k)).filter((d): d is number => d !== undefined && !seen.has(d))
      if (pending.length === 0) {
        seen.add(at)
        order.push(at)
        stack.pop()
      } else for (const d of pending) visit(d, stack)
    }
  }
  for (const index of order) {
    const job = jobs[index]!
    const policy = job.onDependencyFailure ?? "cancel"
    let unmet = 0
    let why: string | null = null
    for (const dep of dependencyKeys(job)) {
      const status = planned.get(dep) ?? existing.get(dep)
      if (status === "completed") continue
      if (status === "failed" || status === "cancelled") {
        if (policy === "cancel") why ??= `dependency ${dep} ${status}`
        continue
      }
      unmet++
    }
    const status = why !== null ? "cancelled" : unmet > 0 ? "blocked" : "pending"
    planned.set(job.key, status)
    out[index] = {
      ord: index,
      key: job.key,
      type: job.type,
      queue: job.queue ?? "default",
      payload: job.payload === undefined ? null : job.payload,
      priority: job.priority ?? 0,
      run_at: job.runAt ? job.runAt.toISOString() : null,
      delay_ms: job.runAt ? null : (job.delayMs ?? null),
      max_attempts: job.maxAttempts ?? 3,
      depends_on: dependencyKeys(job),
      policy,
      unmet,
      status,
      last_error: why,
      concurrency_key: job.concurrencyKey ?? null
    }
  }
  return out
}

const checkPayloads = (jobs: ReadonlyArray<NewWorkflowJob>) => {
  for (let index = 0; index < jobs.length; index++) {
    const text = JSON.stringify(jobs[index]!.payload ?? null) ?? "null"
    if (text.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
      return storeError("PayloadTooLarge", `payload exceeds 1 MiB (index ${index})`, { index })
    }
  }
  return null
}

const toSummary = (r: WorkflowRow): WorkflowSummary => {
  const counts = {
    blocked: r.blocked,
    pending: r.pending,
    processing: r.processing,
    retrying: r.retrying,
    completed: r.completed,
    failed: r.failed,
    cancelled: r.cancelled
  }
  const running = r.blocked + r.pending + r.processing + r.retrying > 0
  const status = running ? "running" : r.failed > 0 ? "failed" : r.cancelled > 0 ? "cancelled" : "completed"
  return {
    id: Number(r.id),
    name: r.name,
    status,
    created_at: iso(r.created_at),
    updated_at: iso(r.updated_at ?? r.created_at),
    finished_at: running || !r.last_finished_at ? null : iso(r.last_finished_at),
    counts
  }
}

/** The workflow port on PostgreSQL: creation and adds in one transaction each, reads, cancel and retry. */
export const makeWorkflowOps = (sql: postgres.Sql): WorkflowStoreShape => {
  const workflowGet: WorkflowStoreShape["workflowGet"] = ({ id }) =>
    Effect.gen(function* () {
      const [row] = yield* run(() => listWorkflows(sql, { status: null, afterId: 0, limit: 1, id }))
      if (!row) return yield* Effect.fail(notFound(id))
      const nodes = yield* run(() => workflowNodes(sql, id))
      const workflow: Workflow = {
        ...toSummary(row),
        jobs: nodes.map((n) => ({ job_id: Number(n.id), key: n.key, type: n.type, queue: n.queue, status: n.status, depends_on: n.depends_on ?? [] }))
      }
      return workflow
    })

  const addInTx = async (
    tx: postgres.TransactionSql,
    workflowId: number,
    jobs: ReadonlyArray<NewWorkflowJob>,
    now: Date | null,
    fresh: boolean
  ) => {
    const named = [...new Set(jobs.flatMap((j) => [j.key, ...dependencyKeys(j)]))]
    const found = fresh ? [] : await jobsByKey(tx, workflowId, named)
    const existing = new Map(found.map((r) => [r.key, r] as const))
    const invalid = validateWorkflowJobs(jobs, new Set(existing.keys()))
    if (invalid) throw invalid
    const fresher = jobs.filter((j) => !existing.has(j.key))
    const items = planInsert(fresher, new Map(found.map((r) => [r.key, r.status] as const)))
    const inserted = items.length === 0 ? [] : await insertWorkflowJobs(tx, workflowId, items, now)
    const ids = new Map(inserted.map((r) => [fresher[r.ord]!.key, Number(r.id)] as const))
    return jobs.map((j) => {
      const old = existing.get(j.key)
      return old ? { job_id: Number(old.id), key: j.key, duplicate: true } : { job_id: ids.get(j.key)!, key: j.key, duplicate: false }
    })
  }

  return {
    workflowCreate: ({ name, jobs, idempotencyKey, now }) =>
      Effect.gen(function* () {
        const invalid = validateWorkflowJobs(jobs) ?? checkPayloads(jobs)
        if (invalid) return yield* Effect.fail(invalid)
        const made = yield* run(() =>
          sql.begin(async (tx) => {
            const wf = await insertWorkflow(tx, name ?? null, idempotencyKey ?? null, now ?? null)
            if (!wf) throw storeError("Internal", "workflow idempotency key vanished")
            if (!wf.duplicate) await addInTx(tx, wf.id, jobs, now ?? null, true)
            return wf
          }) as Promise<{ id: number; duplicate: boolean }>
        )
        return { workflow: yield* workflowGet({ id: made.id }), duplicate: made.duplicate }
      }),
    workflowJobsAdd: ({ workflowId, jobs, lease, now }) =>
      Effect.gen(function* () {
        const tooBig = checkPayloads(jobs)
        if (tooBig) return yield* Effect.fail(tooBig)
        return yield* run(() =>
          sql.begin(async (tx) => {
            if ((await lockWorkflow(tx, workflowId)).length === 0) throw notFound(workflowId)
            if (lease) {
              const token = UUID.test(lease.leaseToken) ? lease.leaseToken : null
              const live = await holdsLiveLease(tx, { workflowId, jobId: lease.jobId, workerId: lease.workerId, token, now: now ?? null })
              if (!live) throw storeError("LeaseLost", `job ${lease.jobId} holds no live lease with this token in workflow ${workflowId}`, { job_id: lease.jobId })
            } else if ((await unfinishedCount(tx, workflowId)) === 0) {
              throw storeError("InvalidTransition", `workflow ${workflowId} is finished: jobs cannot be added`, { workflow_id: workflowId })
            }
            return addInTx(tx, workflowId, jobs, now ?? null, false)
          }) as Promise<Array<{ job_id: number; key: string; duplicate: boolean }>>
        )
      }),
    workflowGet,
    workflowList: ({ status, limit, cursor }) =>
      Effect.gen(function* () {
        const afterId = cursor === undefined ? 0 : decodeCursor(cursor)
        if (afterId === undefined) return yield* Effect.fail(storeError("Validation", "invalid cursor"))
        if (!Number.isInteger(limit) || limit < 1 || limit > 500) return yield* Effect.fail(storeError("Validation", "limit must be in 1..500"))
        const rows = yield* run(() => listWorkflows(sql, { status: status ?? null, afterId, limit }))
        const page = rows.slice(0, limit).map(toSummary)
        const last = page[page.length - 1]
        return { workflows: page, next_cursor: rows.length > limit && last ? encodeCursor(last.id) : null }
      }),
    workflowCancel: ({ id, now }) =>
      Effect.gen(function* () {
        yield* run(() =>
          sql.begin(async (tx) => {
            if ((await lockWorkflow(tx, id)).length === 0) throw notFound(id)
            const [row] = await cancelWorkflowJobs(tx, id, now ?? null)
            if ((row?.n ?? 0) === 0) throw storeError("InvalidTransition", `workflow ${id} is finished: nothing to cancel`, { workflow_id: id })
          })
        )
        return yield* workflowGet({ id })
      }),
    workflowRetry: ({ id, now }) =>
      Effect.gen(function* () {
        yield* run(() =>
          sql.begin(async (tx) => {
            if ((await lockWorkflow(tx, id)).length === 0) throw notFound(id)
            await retryWorkflowJobs(tx, id, now ?? null)
          })
        )
        return yield* workflowGet({ id })
      })
  }
}
