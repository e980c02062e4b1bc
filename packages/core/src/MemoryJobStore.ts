import { Context, Effect, Layer } from "effect"
import { DEFAULT_MAX_BATCH_SIZE, type AckResult, type LeasedJob, type RenewManyResult } from "@leasehold/contracts"
import { storeError, type StoreError } from "./errors.ts"
import {
  JobStore,
  markAckRepeat,
  markJobRepeat,
  type AckItemInput,
  type Clocked,
  type EnqueueOutcome,
  type JobStoreShape,
  type LeaseParams,
  type NewJob
} from "./JobStore.ts"
import { makeRetryPolicy, type RetryPolicyOptions } from "./retryPolicy.ts"
import { completeRow, failRow, itemErrorCode, releaseRow, renewRow } from "./memory/memoryOutcomes.ts"
import { applyAdminEvent, bulkByIds, bulkMatching } from "./memory/memoryBulk.ts"
import { checkLeaseSeconds, checkNewJob } from "./memory/memoryValidation.ts"
import { listJobs, listLeases, listWorkers, statsOf } from "./memory/memoryReads.ts"
import { newWorkflowBook } from "./memory/memoryWorkflowGraph.ts"
import { settleWorkflows } from "./memory/memoryWorkflowSettle.ts"
import { memoryWorkflowOps } from "./memory/memoryWorkflowStore.ts"
import { WorkflowStore, type WorkflowStoreShape } from "./WorkflowStore.ts"
import { DEFAULT_KEY_CONCURRENCY, withinKeyLimits } from "./memory/memoryKeys.ts"
import { countRows, pruneStep, throughputOf } from "./memory/memoryCounts.ts"
import { carveBatches, checkRequestedBatchSize, createScan, scansFor, toScan } from "./memory/memoryScans.ts"
import {
  addMs,
  clockOf,
  findRow,
  finishedAt,
  grantLease,
  idempotencyIndexKey,
  isLeasable,
  isStoreError,
  isTerminal,
  iso,
  jsonCopy,
  leaseOrder,
  newPendingRow,
  toJob,
  toLeasedJob,
  transitionRow,
  type MemoryRow,
  type MemoryState
} from "./memory/MemoryState.ts"

/** Settings of the in-memory store. */
export interface MemoryJobStoreOptions {
  readonly retry?: RetryPolicyOptions | undefined
  /** The server's max scan batch size (default 1,000,000). */
  readonly maxBatchSize?: number | undefined
  /** key_concurrency per queue (SPEC default 1 for a queue not named here). */
  readonly keyConcurrency?: Readonly<Record<string, number>> | undefined
}

const lift = <A>(result: StoreError | A): Effect.Effect<A, StoreError> =>
  isStoreError(result) ? Effect.fail(result) : Effect.succeed(result)

/** Whole workflows one prune call deletes besides the plain jobs (PostgreSQL's bound too). */
const PRUNE_WORKFLOWS_PER_CALL = 10

/** One store call: synchronous, so atomic; workflow dependents of the jobs it ended are settled before it answers. */
const opOn =
  (state: MemoryState) =>
  <A>(f: () => StoreError | A): Effect.Effect<A, StoreError> =>
    Effect.suspend(() => {
      const result = f()
      settleWorkflows(state)
      return lift(result)
    })

const insertJob = (state: MemoryState, job: NewJob, now: Date): EnqueueOutcome => {
  const queue = job.queue ?? "default"
  if (job.idempotencyKey !== undefined) {
    const existing = state.idempotency.get(idempotencyIndexKey(queue, job.idempotencyKey))
    const row = existing === undefined ? undefined : state.rows.get(existing)
    if (row !== undefined) return { job: toJob(row), duplicate: true }
  }
  const row = newPendingRow(
    state,
    {
      queue,
      type: job.type,
      payload: jsonCopy(job.payload),
      priority: job.priority ?? 0,
      runAt: job.runAt ?? addMs(now, job.delayMs ?? 0),
      maxAttempts: job.maxAttempts ?? 3,
      idempotencyKey: job.idempotencyKey ?? null,
      concurrencyKey: job.concurrencyKey ?? null,
      scan: null
    },
    now
  )
  state.rows.set(row.id, row)
  if (job.idempotencyKey !== undefined) {
    state.idempotency.set(idempotencyIndexKey(queue, job.idempotencyKey), row.id)
  }
  return { job: toJob(row), duplicate: false }
}

/** The memory store's ports over one state: jobs and workflows see each other's writes. */
export interface MemoryStores {
  readonly jobs: JobStoreShape
  readonly workflows: WorkflowStoreShape
}

/** An in-memory `JobStoreShape` with the PostgreSQL store's semantics, for unit tests of fibers and actors. */
export const makeMemoryJobStore = (options: MemoryJobStoreOptions = {}): JobStoreShape => makeMemoryStores(options).jobs

/** The memory job store and its workflow store, sharing one state. */
export const makeMemoryStores = (options: MemoryJobStoreOptions = {}): MemoryStores => {
  const state: MemoryState = {
    nextId: 1,
    rows: new Map(),
    idempotency: new Map(),
    scans: new Map(),
    workers: new Map(),
    workflows: newWorkflowBook(),
    retryPolicy: makeRetryPolicy(options.retry),
    maxBatchSize: options.maxBatchSize ?? DEFAULT_MAX_BATCH_SIZE
  }
  const op = opOn(state)
  const wf = memoryWorkflowOps(state)
  const rows = () => [...state.rows.values()]
  const keyLimitOf = (queue: string) => options.keyConcurrency?.[queue] ?? DEFAULT_KEY_CONCURRENCY
  const inQueues = (queues: ReadonlyArray<string>, types: ReadonlyArray<string> | undefined) => (r: MemoryRow) =>
    queues.includes(r.queue) && (types === undefined || types.includes(r.type))

  /** The lease's own validation, done before anything is applied. */
  const checkLease = (p: LeaseParams): StoreError | null => {
    const badSeconds = checkLeaseSeconds(p.leaseSeconds)
    if (badSeconds !== null || p.requestedBatchSize === undefined) return badSeconds
    const scans = scansFor(state, p.queues, p.types)
    return checkRequestedBatchSize(state, p.requestedBatchSize, scans, p.serverMaxBatchSize ?? state.maxBatchSize)
  }
  const lease = (p: LeaseParams): StoreError | ReadonlyArray<LeasedJob> => {
    const now = clockOf(p)
    const invalid = checkLease(p)
    if (invalid !== null) return invalid
    const scans = scansFor(state, p.queues, p.types)
    const candidates = rows()
      .filter((r) => inQueues(p.queues, p.types)(r) && isLeasable(r, now))
      .sort(leaseOrder)
    const leased = withinKeyLimits(candidates, state.rows.values(), keyLimitOf, now, p.maxJobs)
    for (const row of leased) {
      const next = transitionRow(row, { type: "LEASE", leaseExpired: row.status === "processing" }, now)
      if (isStoreError(next)) return next
      grantLease(row, p.workerId, p.leaseSeconds, now)
    }
    const grant = { workerId: p.workerId, leaseSeconds: p.leaseSeconds, now }
    const carved = carveBatches(state, scans, p.maxJobs - leased.length, p.requestedBatchSize, grant)
    return [...leased, ...carved].map((row) => toLeasedJob(row, now))
  }
  const ack = (p: { readonly workerId: string; readonly items: ReadonlyArray<AckItemInput> } & Clocked): Array<AckResult> => {
    const now = clockOf(p)
    return p.items.map((item): AckResult => {
      const proof = { id: item.jobId, workerId: p.workerId, leaseToken: item.leaseToken }
      const before = state.rows.get(item.jobId)?.status
      const outcome =
        item.outcome === "completed"
          ? completeRow(state, { ...proof, result: item.result }, now)
          : item.error === undefined
            ? storeError("Validation", "a failed outcome needs an error")
            : failRow(state, { ...proof, error: item.error, retryable: item.retryable, retryInMs: item.retryInMs }, now)
      if (isStoreError(outcome)) return { job_id: item.jobId, ok: false, error: { code: itemErrorCode(outcome), message: outcome.message } }
      return before === "completed" ? markAckRepeat({ job_id: item.jobId, ok: true }) : { job_id: item.jobId, ok: true }
    })
  }
  const ackAndSettle = (p: Parameters<typeof ack>[0]): Array<AckResult> => {
    const results = ack(p)
    settleWorkflows(state)
    return results
  }

  const jobs: JobStoreShape = {
    jobEnqueue: (p) => op(() => checkNewJob(p.job) ?? insertJob(state, p.job, clockOf(p))),
    jobEnqueueMany: (p) =>
      op(() => {
        const now = clockOf(p)
        const invalid = p.jobs.map((job, index) => checkNewJob(job, index)).find((e) => e !== null)
        return invalid ?? p.jobs.map((job) => insertJob(state, job, now))
      }),
    jobLeaseAcquire: (p) => op(() => lease(p)),
    jobLeaseAcquireAfterAcks: (p) =>
      op(() => {
        const invalid = checkLease(p)
        if (invalid !== null) return invalid
        const acks = ackAndSettle({ ...p, items: p.acks })
        const jobs = lease(p)
        return isStoreError(jobs) ? jobs : { acks, jobs }
      }),
    jobNextLeasableAt: (p) =>
      op(() => {
        const now = clockOf(p).getTime()
        const times = rows()
          .filter(inQueues(p.queues, p.types))
          .map((r) =>
            (r.status === "pending" || r.status === "retrying") && r.runAt.getTime() > now
              ? r.runAt.getTime()
              : r.status === "processing" && r.attempts < r.maxAttempts && r.leaseExpiresAt!.getTime() >= now
                ? r.leaseExpiresAt!.getTime()
                : Number.POSITIVE_INFINITY
          )
        const earliest = times.reduce((a, b) => Math.min(a, b), Number.POSITIVE_INFINITY)
        return Number.isFinite(earliest) ? new Date(earliest) : null
      }),
    jobRenewIfLeased: (p) => op(() => renewRow(state, p, clockOf(p))),
    jobCompleteIfLeased: (p) =>
      op(() => {
        const done = completeRow(state, p, clockOf(p))
        if (isStoreError(done)) return done
        return done.repeat ? markJobRepeat(toJob(done.row)) : toJob(done.row)
      }),
    jobFailIfLeased: (p) =>
      op(() => {
        const row = failRow(state, p, clockOf(p))
        return isStoreError(row) ? row : toJob(row)
      }),
    jobReleaseIfLeased: (p) =>
      op(() => {
        const row = releaseRow(state, p, clockOf(p))
        return isStoreError(row) ? row : toJob(row)
      }),
    jobCancel: (p) =>
      op(() => {
        const next = applyAdminEvent(state, p.id, "CANCEL", clockOf(p))
        settleWorkflows(state)
        return isStoreError(next) ? next : toJob(next)
      }),
    jobRetry: (p) =>
      op(() => {
        const next = applyAdminEvent(state, p.id, "RETRY", clockOf(p))
        settleWorkflows(state)
        return isStoreError(next) ? next : toJob(next)
      }),
    jobRetryMany: (p) => op(() => bulkByIds(state, p.ids, "RETRY", clockOf(p))),
    jobCancelMany: (p) => op(() => bulkByIds(state, p.ids, "CANCEL", clockOf(p))),
    jobRetryMatching: (p) => op(() => bulkMatching(state, p, "RETRY", clockOf(p))),
    jobCancelMatching: (p) => op(() => bulkMatching(state, p, "CANCEL", clockOf(p))),
    jobRescueExpired: (p) =>
      op(() => {
        const now = clockOf(p)
        const expired = rows()
          .filter((r) => r.status === "processing" && r.leaseExpiresAt !== null && r.leaseExpiresAt.getTime() < now.getTime())
          .sort((a, b) => a.leaseExpiresAt!.getTime() - b.leaseExpiresAt!.getTime() || a.id - b.id)
          .slice(0, p.limit ?? Number.MAX_SAFE_INTEGER)
        let retried = 0
        let failed = 0
        for (const row of expired) {
          const attempt = row.attempts
          const next = transitionRow(row, { type: "LEASE_EXPIRED" }, now)
          if (isStoreError(next)) return next
          row.errors.push({ attempt, message: "lease expired", at: iso(now) })
          row.lastError = "lease expired"
          if (row.status === "retrying") {
            row.runAt = now
            retried++
          } else failed++
        }
        return { retried, failed }
      }),
    leaseAckMany: (p) => op(() => ack(p)),
    leaseRenewMany: (p) =>
      op(() => {
        const now = clockOf(p)
        return p.items.map((item): RenewManyResult => {
          const renewed = renewRow(state, { id: item.jobId, workerId: p.workerId, leaseToken: item.leaseToken, leaseSeconds: p.leaseSeconds }, now)
          return isStoreError(renewed)
            ? { job_id: item.jobId, ok: false, error: { code: itemErrorCode(renewed), message: renewed.message } }
            : { job_id: item.jobId, ok: true, ...renewed }
        })
      }),
    jobGet: (p) =>
      op(() => {
        const row = findRow(state, p.id)
        return isStoreError(row) ? row : toJob(row)
      }),
    jobList: (p) => op(() => listJobs(state, p)),
    statsGet: (p) => op(() => statsOf(state, clockOf(p))),
    leaseList: (p) => op(() => listLeases(state, p, clockOf(p))),
    queueCountsGet: (p) => op(() => countRows(state.rows.values(), p.queue)),
    throughputGet: (p) =>
      op(() =>
        Number.isInteger(p.minutes) && p.minutes >= 1 && p.minutes <= 1440
          ? throughputOf(state.rows.values(), p.minutes, clockOf(p), p.queue)
          : storeError("Validation", "minutes must be an integer in 1..1440")
      ),
    workflowPruneFinished: (p) => op(() => wf.prune(p.before, p.limit)),
    countersCompact: () => Effect.succeed(0),
    jobPruneFinishedStep: (p) => op(() => pruneStep(state, p.before, p.afterId, p.limit)),
    jobPruneFinished: (p) =>
      op(() => {
        const doomed = rows()
          .filter((r) => r.workflow === null && isTerminal(r.status) && finishedAt(r) < p.before.getTime())
          .sort((a, b) => finishedAt(a) - finishedAt(b) || a.id - b.id)
          .slice(0, p.limit ?? Number.MAX_SAFE_INTEGER)
        for (const r of doomed) {
          state.rows.delete(r.id)
          if (r.idempotencyKey !== null) state.idempotency.delete(idempotencyIndexKey(r.queue, r.idempotencyKey))
        }
        return doomed.length + wf.prune(p.before, PRUNE_WORKFLOWS_PER_CALL)
      }),
    scanCreate: (p) =>
      op(() => {
        const scan = createScan(state, p.scan)
        return isStoreError(scan) ? scan : toScan(state, scan)
      }),
    scanGet: (p) =>
      op(() => {
        const scan = state.scans.get(p.name)
        return scan === undefined ? storeError("NotFound", `scan ${p.name} not found`, { name: p.name }) : toScan(state, scan)
      }),
    scanList: () => op(() => [...state.scans.values()].sort((a, b) => a.seq - b.seq).map((s) => toScan(state, s))),
    scanSetPaused: (p) =>
      op(() => {
        const scan = state.scans.get(p.name)
        if (scan === undefined) return storeError("NotFound", `scan ${p.name} not found`, { name: p.name })
        scan.paused = p.paused
        return toScan(state, scan)
      }),
    workerTouch: (p) =>
      op(() => {
        state.workers.set(p.workerId, clockOf(p))
      }),
    workerList: (p) => op(() => listWorkers(state, p.since, clockOf(p)))
  }
  const workflows: WorkflowStoreShape = {
    workflowCreate: (p) => op(() => wf.create(p, clockOf(p))),
    workflowJobsAdd: (p) => op(() => wf.add(p, clockOf(p))),
    workflowGet: (p) => op(() => wf.get(p.id)),
    workflowList: (p) => op(() => wf.list(p)),
    workflowCancel: (p) => op(() => wf.cancel(p.id, clockOf(p))),
    workflowRetry: (p) => op(() => wf.retry(p.id, clockOf(p)))
  }
  return { jobs, workflows }
}

/** The memory store as the `JobStore` service. */
export const layerMemory = (options: MemoryJobStoreOptions = {}): Layer.Layer<JobStore> =>
  Layer.sync(JobStore, () => makeMemoryJobStore(options))

/** The memory store as both the `JobStore` and `WorkflowStore` services, over one state. */
export const layerMemoryWithWorkflows = (options: MemoryJobStoreOptions = {}): Layer.Layer<JobStore | WorkflowStore> =>
  Layer.effectContext(
    Effect.sync(() => {
      const stores = makeMemoryStores(options)
      return Context.make(JobStore, stores.jobs).pipe(Context.add(WorkflowStore, stores.workflows))
    })
  )
