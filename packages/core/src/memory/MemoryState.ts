import { randomBytes } from "node:crypto"
import type { Job, JobErrorEntry, JobStatus, LeasedJob } from "@leasehold/contracts"
import { storeError, StoreError } from "../errors.ts"
import type { JobMachineEvent } from "../JobMachine.ts"
import type { RetryPolicy } from "../retryPolicy.ts"
import { memoryTransition } from "./memoryTransition.ts"
import { dependencyOutcomes, waitingFor, type MemoryWorkflow, type MemoryWorkflowBook } from "./memoryWorkflowGraph.ts"

/** One job as the memory store keeps it; the lease fields are internal (the token never leaves in reads). */
export interface MemoryRow {
  readonly id: number
  readonly queue: string
  readonly type: string
  payload: unknown
  status: JobStatus
  readonly priority: number
  runAt: Date
  attempts: number
  readonly maxAttempts: number
  workerId: string | null
  leaseToken: string | null
  /** The worker whose complete took the job (a repeat complete must come from it). */
  completedBy: string | null
  leasedAt: Date | null
  leaseSeconds: number | null
  leaseExpiresAt: Date | null
  lastError: string | null
  errors: Array<JobErrorEntry>
  result: unknown
  readonly idempotencyKey: string | null
  /** Jobs of one queue sharing it run at most key_concurrency at a time (see memory/memoryKeys.ts). */
  readonly concurrencyKey: string | null
  readonly scan: string | null
  readonly createdAt: Date
  updatedAt: Date
  completedAt: Date | null
  /** Set on jobs of a workflow (see memory/memoryWorkflowSettle.ts). */
  workflow: MemoryWorkflowLink | null
}

/** A workflow job's place in its graph. */
export interface MemoryWorkflowLink {
  readonly id: number
  readonly graph: MemoryWorkflow
  readonly key: string
  readonly dependsOn: ReadonlyArray<string>
  readonly runOnDependencyFailure: boolean
  /** delay_ms given at creation: counts from the unblocking. */
  readonly delayMs: number
}

/** A scan as the memory store keeps it. */
export interface MemoryScan {
  readonly seq: number
  readonly name: string
  readonly queue: string
  readonly type: string
  readonly start: number
  readonly end: number
  cursor: number
  readonly defaultBatchSize: number
  readonly maxBatchSize: number
  readonly payload: Record<string, unknown>
  readonly maxAttempts: number
  paused: boolean
}

/** Everything the memory store holds; mutated only by synchronous store operations, so each is atomic. */
export interface MemoryState {
  nextId: number
  readonly rows: Map<number, MemoryRow>
  readonly idempotency: Map<string, number>
  readonly scans: Map<string, MemoryScan>
  readonly workers: Map<string, Date>
  readonly workflows: MemoryWorkflowBook
  readonly retryPolicy: RetryPolicy
  readonly maxBatchSize: number
}

/** Timestamps leave the store as RFC 3339 UTC. */
export const iso = (d: Date): string => d.toISOString()

/** `now` of a call, or the wall clock. */
export const clockOf = (p: { readonly now?: Date | undefined }): Date => p.now ?? new Date()

/** Offsets a date by milliseconds. */
export const addMs = (d: Date, ms: number): Date => new Date(d.getTime() + ms)

/** Values go through JSON on the way in, as they would through a database. */
export const jsonCopy = (value: unknown): unknown => (value === undefined ? null : JSON.parse(JSON.stringify(value)))

/** A fresh unguessable lease token (128 random bits). */
export const newLeaseToken = (): string => randomBytes(16).toString("base64url")

/** Idempotency keys are unique per queue. */
export const idempotencyIndexKey = (queue: string, key: string): string => `${queue}\u0000${key}`

/** The public read of a row: worker and expiry only while processing, never the token. */
export const toJob = (row: MemoryRow): Job => ({
  id: row.id,
  queue: row.queue,
  type: row.type,
  payload: jsonCopy(row.payload),
  status: row.status,
  priority: row.priority,
  run_at: iso(row.runAt),
  attempts: row.attempts,
  max_attempts: row.maxAttempts,
  worker_id: row.status === "processing" ? row.workerId : null,
  lease_expires_at: row.status === "processing" && row.leaseExpiresAt ? iso(row.leaseExpiresAt) : null,
  last_error: row.lastError,
  errors: row.errors.map((e) => ({ ...e })),
  result: jsonCopy(row.result),
  idempotency_key: row.idempotencyKey,
  scan: row.scan,
  created_at: iso(row.createdAt),
  updated_at: iso(row.updatedAt),
  completed_at: row.completedAt ? iso(row.completedAt) : null,
  workflow_id: row.workflow?.id ?? null,
  key: row.workflow?.key ?? null,
  depends_on: row.workflow ? [...row.workflow.dependsOn] : [],
  ...(row.status === "blocked" ? { waiting_for: waitingFor(row) ?? [] } : {}),
  concurrency_key: row.concurrencyKey
})

/** When a holder should renew: half-way through its lease. */
export const renewAfter = (now: Date, leaseSeconds: number): Date => addMs(now, (leaseSeconds * 1000) / 2)

/** The lease holder's read of a row. */
export const toLeasedJob = (row: MemoryRow, now: Date): LeasedJob => ({
  ...toJob(row),
  lease_token: row.leaseToken ?? "",
  lease_expires_at: iso(row.leaseExpiresAt ?? now),
  renew_after: iso(renewAfter(row.leasedAt ?? now, row.leaseSeconds ?? 0)),
  ...(row.workflow === null ? {} : { workflow: { id: row.workflow.id, key: row.workflow.key }, dependencies: dependencyOutcomes(row) })
})

/**
 * Applies a lifecycle event to a row (status and attempts), or fails with InvalidTransition. The
 * transition is the memory store's own (`memoryTransition`), not JobMachine's, so the model test
 * checks one against the other.
 */
export const transitionRow = (row: MemoryRow, event: JobMachineEvent, now: Date): StoreError | MemoryRow => {
  const next = memoryTransition(row.status, row.attempts, row.maxAttempts, event)
  if (next === null) {
    return storeError("InvalidTransition", `job ${row.id} cannot ${event.type.toLowerCase()} from ${row.status}`, {
      id: row.id,
      status: row.status
    })
  }
  row.status = next.status
  row.attempts = next.attempts
  row.updatedAt = now
  if (next.status === "completed") row.completedBy = row.workerId
  if (next.status !== "processing") {
    row.workerId = null
    row.leaseExpiresAt = null
    row.leasedAt = null
    row.leaseSeconds = null
    if (next.status !== "completed") row.leaseToken = null
  }
  // When the job finished, whatever the terminal status (as PostgreSQL's completed_at; the pruner's clock).
  row.completedAt = isTerminal(next.status) ? now : null
  if (row.workflow !== null) {
    if (isTerminal(next.status)) row.workflow.graph.book.ended.push({ row, at: now })
    else if (event.type === "RETRY") row.workflow.graph.book.reopened.push({ row, at: now })
  }
  return row
}

/** When a row finished (ms): its completed_at, set by every terminal status; updated_at for older rows. */
export const finishedAt = (row: Pick<MemoryRow, "completedAt" | "updatedAt">): number => (row.completedAt ?? row.updatedAt).getTime()

/** A fresh pending row, as enqueue and scan carving both create one (the lifecycle fields empty). */
export const newPendingRow = (
  state: MemoryState,
  fields: Pick<MemoryRow, "queue" | "type" | "payload" | "priority" | "runAt" | "maxAttempts" | "idempotencyKey" | "scan"> & {
    readonly concurrencyKey?: string | null | undefined
  },
  now: Date
): MemoryRow => ({
  id: state.nextId++,
  ...fields,
  concurrencyKey: fields.concurrencyKey ?? null,
  status: "pending",
  attempts: 0,
  workerId: null,
  leaseToken: null,
  completedBy: null,
  leasedAt: null,
  leaseSeconds: null,
  leaseExpiresAt: null,
  lastError: null,
  errors: [],
  result: null,
  createdAt: now,
  updatedAt: now,
  completedAt: null,
  workflow: null
})

/** Starts a fresh lease on a row that was just moved to processing. */
export const grantLease = (row: MemoryRow, workerId: string, leaseSeconds: number, now: Date): void => {
  row.workerId = workerId
  row.leaseToken = newLeaseToken()
  row.leasedAt = now
  row.leaseSeconds = leaseSeconds
  row.leaseExpiresAt = addMs(now, leaseSeconds * 1000)
}

/** Whether the row is processing under exactly this worker and token (expired but not taken over counts). */
export const holdsLease = (row: MemoryRow, workerId: string, leaseToken: string): boolean =>
  row.status === "processing" && row.leaseToken === leaseToken && row.workerId === workerId

/** Whether the row can be leased at `now` (SPEC: leasable). */
export const isLeasable = (row: MemoryRow, now: Date): boolean =>
  ((row.status === "pending" || row.status === "retrying") && row.runAt.getTime() <= now.getTime()) ||
  (row.status === "processing" &&
    row.leaseExpiresAt !== null &&
    row.leaseExpiresAt.getTime() < now.getTime() &&
    row.attempts < row.maxAttempts)

/** Lease order: priority desc, run_at asc, id asc. */
export const leaseOrder = (a: MemoryRow, b: MemoryRow): number =>
  b.priority - a.priority || a.runAt.getTime() - b.runAt.getTime() || a.id - b.id

/** Finished statuses, the ones prune may delete. */
export const isTerminal = (status: JobStatus): boolean =>
  status === "completed" || status === "failed" || status === "cancelled"

/** Lookup that fails with NotFound. */
export const findRow = (state: MemoryState, id: number): StoreError | MemoryRow =>
  state.rows.get(id) ?? storeError("NotFound", `job ${id} not found`, { id })

/** The LeaseLost failure. */
export const leaseLost = (id: number): StoreError =>
  storeError("LeaseLost", `the lease on job ${id} is not held by this worker and token`, { id })

/** Encodes a keyset cursor (the last id of a page) opaquely. */
export const encodeCursor = (id: number): string => Buffer.from(`j:${id}`, "utf8").toString("base64url")

/** Decodes a cursor, or fails with Validation. */
export const decodeCursor = (cursor: string): StoreError | number => {
  const bad = storeError("Validation", "invalid cursor", { cursor })
  if (!/^[A-Za-z0-9_-]{1,100}$/.test(cursor)) return bad
  const match = /^j:([1-9][0-9]{0,15})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  return match?.[1] === undefined ? bad : Number(match[1])
}

/** Narrowing helper for the `StoreError | A` results used inside the memory store. */
export const isStoreError = (u: unknown): u is StoreError => u instanceof StoreError
