import { Effect } from "effect"
import type postgres from "postgres"
import { MAX_PAYLOAD_BYTES, type AckResult, type RenewManyResult } from "@leasehold/contracts"
import { markJobRepeat, storeError, type JobStoreShape, type LeaseParams } from "@leasehold/core"
import { run } from "./run.ts"
import { iso, newJob, toJob, toLeasedJob, type JobRow, type LeaseRow } from "./rows.ts"
import { enqueueMany, jobsByKeys, toEnqueueItem } from "./queries/enqueue.ts"
import { enqueuePlainColumns, plainColumns } from "./queries/enqueueColumns.ts"
import { leaseJobs, splitLease, type LeaseResult, type RawLease } from "./queries/lease.ts"
import { completeJob, failJob, releaseJob, renewJob, type Backoff, type OutcomeRow } from "./queries/outcomes.ts"
import { ackMany, renewMany, type AckFailure } from "./queries/batches.ts"
import { ackResults, ackRows, asToken, itemError } from "./ackResults.ts"
import { pipelinedTransaction } from "./pipelinedTransaction.ts"
import { cancelJob, rescueExpired, retryJob, type AdminRow } from "./queries/admin.ts"
import { getJob } from "./queries/reads.ts"
import { withDependencies } from "./queries/workflowLeases.ts"
import { inLeaseOrder, type FlowControl } from "./flowControl.ts"

/** Settings shared by the store's operations. */
export interface StoreSettings {
  readonly sql: postgres.Sql
  /** Operator reads (lists, stats, throughput): a separate pool with a statement timeout, or `sql`. */
  readonly readSql: postgres.Sql
  readonly backoff: Backoff
  readonly serverMaxBatchSize: number
  readonly flow: FlowControl
}

/** The sweeper's default batch: large enough to drain a crash of a busy worker in one call. */
const RESCUE_DEFAULT_LIMIT = 10_000

const lost = (id: number) => storeError("LeaseLost", `job ${id} is not leased with this token`, { job_id: id })
const notFound = (id: number) => storeError("NotFound", `job ${id} not found`, { job_id: id })

/** A holder-only write's answer: the row, or LeaseLost / NotFound. */
const holderResult = (id: number, rows: ReadonlyArray<OutcomeRow>) => {
  const row = rows[0]
  if (!row) return Effect.fail(notFound(id))
  if (row.outcome === "lost") return Effect.fail(lost(id))
  return Effect.succeed(row.outcome === "already" ? markJobRepeat(toJob(row)) : toJob(row))
}

/** An admin transition's answer: the row, InvalidTransition or NotFound. */
const adminResult = (id: number, what: string, rows: ReadonlyArray<AdminRow>) => {
  const row = rows[0]
  if (!row) return Effect.fail(notFound(id))
  return row.outcome === "illegal"
    ? Effect.fail(storeError("InvalidTransition", `cannot ${what} job ${id} in status ${row.status}`, { job_id: id, status: row.status }))
    : Effect.succeed(toJob(row))
}

const checkLeaseSeconds = (seconds: number | undefined) =>
  seconds === undefined || (Number.isInteger(seconds) && seconds >= 1 && seconds <= 86_400)
    ? Effect.void
    : Effect.fail(storeError("Validation", "lease_seconds must be an integer in 1..86400"))

/** The lease's own validation, before anything is applied or leased. */
const checkLease = (p: LeaseParams) =>
  Effect.flatMap(checkLeaseSeconds(p.leaseSeconds), () =>
    p.requestedBatchSize !== undefined && !(Number.isInteger(p.requestedBatchSize) && p.requestedBatchSize >= 1)
      ? Effect.fail(storeError("Validation", "requested_batch_size must be a positive integer"))
      : Effect.void
  )

/** The lease statement's inputs from the port's parameters. */
const leaseInput = (p: LeaseParams, serverMaxBatchSize: number) => ({
  workerId: p.workerId,
  queues: [...new Set(p.queues)],
  types: p.types && p.types.length > 0 ? [...new Set(p.types)] : null,
  maxJobs: Math.floor(p.maxJobs),
  leaseSeconds: p.leaseSeconds,
  requestedBatchSize: p.requestedBatchSize ?? null,
  serverMaxBatchSize: p.serverMaxBatchSize ?? serverMaxBatchSize,
  now: p.now ?? null
})

/** Enqueue, lease and every lifecycle write of the port, each one statement. */
export const makeJobOps = (s: StoreSettings) => {
  const { sql, backoff } = s
  const enqueue: JobStoreShape["jobEnqueueMany"] = ({ jobs, now }) =>
    Effect.gen(function* () {
      if (jobs.length === 0) return []
      const items = jobs.map(toEnqueueItem)
      const payloads = new Array<string>(items.length)
      for (const item of items) {
        const text = JSON.stringify(item.payload) ?? "null"
        if (text.length * 3 > MAX_PAYLOAD_BYTES && Buffer.byteLength(text) > MAX_PAYLOAD_BYTES) {
          return yield* Effect.fail(storeError("PayloadTooLarge", "payload exceeds 1 MiB", { index: item.ord }))
        }
        payloads[item.ord] = text
      }
      if (items.every((item) => item.idempotency_key === null)) {
        const [row] = yield* run(() => enqueuePlainColumns(sql, plainColumns(items, payloads), now ?? null))
        if (!row || row.ids.length !== items.length) return yield* Effect.fail(storeError("Internal", "enqueue lost track of an item"))
        const nowMs = Number(row.now_ms)
        return items.map((item, i) => ({
          job: newJob(Number(row.ids[i]), item, jobs[i]!.runAt ? jobs[i]!.runAt!.getTime() : nowMs + (item.delay_ms ?? 0), nowMs),
          duplicate: false
        }))
      }
      const rows = yield* run(() => enqueueMany(sql, items, now ?? null))
      const out = new Array<{ job: ReturnType<typeof toJob>; duplicate: boolean } | undefined>(items.length)
      for (const row of rows) out[row.ord] ??= { job: toJob(row), duplicate: row.duplicate }
      const missing = items.filter((item) => out[item.ord] === undefined && item.idempotency_key !== null)
      if (missing.length > 0) {
        const found = yield* run(() => jobsByKeys(sql, missing.map((m) => m.queue), missing.map((m) => m.idempotency_key as string)))
        for (const m of missing) {
          const row = found.find((r: JobRow) => r.queue === m.queue && r.idempotency_key === m.idempotency_key)
          if (row) out[m.ord] = { job: toJob(row), duplicate: true }
        }
      }
      if (out.some((o) => o === undefined)) return yield* Effect.fail(storeError("Internal", "enqueue lost track of an item"))
      return out as Array<{ job: ReturnType<typeof toJob>; duplicate: boolean }>
    })

  /** Leased rows as the wire shows them; jobs of workflows also get their dependencies (one more query). */
  const leasedJobs = (rows: ReadonlyArray<LeaseRow>) => {
    const leased = rows.map(toLeasedJob)
    return rows.some((r) => r.workflow_id !== null) ? run(() => withDependencies(sql, leased)) : Effect.succeed(leased)
  }
  /** Rows of one controlled transaction over several queues, in lease order, as the wire shows them. */
  const leasedInOrder = (queues: ReadonlyArray<string>, rows: ReadonlyArray<LeaseRow>) =>
    leasedJobs(queues.length > 1 ? inLeaseOrder(rows) : rows)
  /** After the common lease: the queues it left out as controlled, each within its room, in a transaction of their own. */
  const withControlled = (p: LeaseParams, r: LeaseResult) => {
    if (r.controlled.length > 0) s.flow.sawControlled(r.controlled)
    return r.controlled.length === 0 || r.rows.length >= p.maxJobs
      ? Effect.succeed(r.rows)
      : Effect.map(
          run(() => s.flow.leaseControlled(leaseInput(p, s.serverMaxBatchSize), r.controlled, Math.floor(p.maxJobs) - r.rows.length)),
          (more) => (more.length === 0 ? r.rows : inLeaseOrder([...r.rows, ...more]))
        )
  }
  const lease: JobStoreShape["jobLeaseAcquire"] = (p) =>
    Effect.gen(function* () {
      yield* checkLease(p)
      if (p.maxJobs < 1 || p.queues.length === 0) return []
      if (s.flow.recentlyControlled(p.queues)) {
        const input = leaseInput(p, s.serverMaxBatchSize)
        const rows = yield* run(() => s.flow.leaseControlled(input, input.queues, input.maxJobs))
        return yield* leasedInOrder(input.queues, rows)
      }
      // Alone in its transaction: a lease commits without waiting for the WAL flush (see LeaseInput.asyncCommit).
      const common = splitLease(yield* run(() => leaseJobs(sql, { ...leaseInput(p, s.serverMaxBatchSize), asyncCommit: true })))
      return yield* leasedJobs(yield* withControlled(p, common))
    })

  return {
    jobEnqueue: ({ job, now }) =>
      Effect.map(enqueue({ jobs: [job], now }), (outcomes) => outcomes[0] as (typeof outcomes)[number]),
    jobEnqueueMany: enqueue,
    jobLeaseAcquire: lease,
    jobLeaseAcquireAfterAcks: (p) =>
      Effect.gen(function* () {
        yield* checkLease(p)
        if (p.acks.length === 0) return { acks: [], jobs: yield* lease(p) }
        const acks = ackRows(p.acks)
        const leasing = p.maxJobs >= 1 && p.queues.length > 0
        // Queues known controlled: the acks' transaction and the controlled lease's in one round trip.
        // Not with a requested batch size: its check fails the lease, and should take the acks with it.
        if (leasing && p.requestedBatchSize === undefined && s.flow.recentlyControlled(p.queues)) {
          const input = leaseInput(p, s.serverMaxBatchSize)
          const out = yield* run(() =>
            s.flow.leaseControlledAfter((tx) => ackMany(tx, p.workerId, acks, p.now ?? null, backoff), input, input.queues, input.maxJobs)
          )
          return { acks: ackResults(p.acks, out.before), jobs: yield* leasedInOrder(input.queues, out.rows) }
        }
        const [failures, raw] = yield* run(() =>
          pipelinedTransaction<[ReadonlyArray<AckFailure>, RawLease]>(sql, (tx) => [
            ackMany(tx, p.workerId, acks, p.now ?? null, backoff),
            leasing ? leaseJobs(tx, leaseInput(p, s.serverMaxBatchSize)) : Promise.resolve([])
          ])
        )
        const common = splitLease(raw)
        const all = leasing ? yield* withControlled(p, common) : common.rows
        return { acks: ackResults(p.acks, failures), jobs: yield* leasedJobs(all) }
      }),
    jobRenewIfLeased: (p) =>
      Effect.gen(function* () {
        yield* checkLeaseSeconds(p.leaseSeconds)
        const rows = yield* run(() => renewJob(sql, { ...p, leaseToken: asToken(p.leaseToken), now: p.now ?? null, leaseSeconds: p.leaseSeconds ?? null }))
        const row = rows[0]
        if (!row) return yield* Effect.fail(notFound(p.id))
        if (row.outcome !== "updated" || !row.lease_expires_at) return yield* Effect.fail(lost(p.id))
        const expires = row.lease_expires_at
        return {
          lease_expires_at: iso(expires),
          renew_after: iso(new Date(expires.getTime() - (row.lease_seconds ?? 0) * 500))
        }
      }),
    jobCompleteIfLeased: (p) =>
      Effect.flatMap(run(() => completeJob(sql, { ...p, leaseToken: asToken(p.leaseToken), now: p.now ?? null, result: p.result ?? null })), (rows) =>
        holderResult(p.id, rows)
      ),
    jobFailIfLeased: (p) =>
      Effect.flatMap(
        run(() =>
          failJob(
            sql,
            { ...p, leaseToken: asToken(p.leaseToken), now: p.now ?? null, message: p.error.message, stack: p.error.stack ?? null, retryable: p.retryable ?? true, retryInMs: p.retryInMs ?? null },
            backoff
          )
        ),
        (rows) => holderResult(p.id, rows)
      ),
    jobReleaseIfLeased: (p) =>
      Effect.flatMap(run(() => releaseJob(sql, { ...p, leaseToken: asToken(p.leaseToken), now: p.now ?? null })), (rows) => holderResult(p.id, rows)),
    jobCancel: ({ id, now }) =>
      Effect.flatMap(run(() => cancelJob(sql, id, now ?? null)), (rows) => adminResult(id, "cancel", rows)),
    jobRetry: ({ id, now }) =>
      Effect.flatMap(run(() => retryJob(sql, id, now ?? null)), (rows) =>
        Effect.flatMap(adminResult(id, "retry", rows), (job) =>
          // a workflow job may have been reopened as blocked after the statement's own answer was formed
          job.workflow_id === null ? Effect.succeed(job) : Effect.map(run(() => getJob(sql, id)), (r) => (r[0] ? toJob(r[0]) : job))
        )
      ),
    jobRescueExpired: ({ limit, now }) =>
      Effect.map(run(() => rescueExpired(sql, limit ?? RESCUE_DEFAULT_LIMIT, now ?? null)), (rows) => ({
        retried: rows[0]?.retried ?? 0,
        failed: rows[0]?.failed ?? 0
      })),
    leaseAckMany: ({ workerId, items, now }) =>
      Effect.gen(function* () {
        if (items.length === 0) return []
        const failures = yield* run(() => ackMany(sql, workerId, ackRows(items), now ?? null, backoff))
        return ackResults(items, failures)
      }),
    leaseRenewMany: ({ workerId, items, leaseSeconds, now }) =>
      Effect.gen(function* () {
        yield* checkLeaseSeconds(leaseSeconds)
        if (items.length === 0) return []
        const input = items.map((it) => ({ id: it.jobId, token: asToken(it.leaseToken) }))
        const rows = yield* run(() => renewMany(sql, workerId, input, leaseSeconds ?? null, now ?? null))
        return rows.map((r): RenewManyResult => {
          if (r.outcome !== "updated" || !r.lease_expires_at) {
            return { job_id: Number(r.id), ok: false, error: itemError(r.outcome, Number(r.id)) }
          }
          const expires = r.lease_expires_at
          return {
            job_id: Number(r.id),
            ok: true,
            lease_expires_at: iso(expires),
            renew_after: iso(new Date(expires.getTime() - (r.lease_seconds ?? 0) * 500))
          }
        })
      })
  } satisfies Partial<JobStoreShape>
}
