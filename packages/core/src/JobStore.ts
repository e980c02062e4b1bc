import { Context, type Effect } from "effect"
import type {
  AckResult,
  BulkResult,
  Job,
  JobCounts,
  JobStatus,
  LeaseInfo,
  LeasedJob,
  QueueStats,
  RecoverResponse,
  ReportedError,
  RenewManyResult,
  Scan,
  ThroughputMinute,
  WorkerInfo
} from "@leasehold/contracts"
import type { StoreError } from "./errors.ts"

/**
 * Every operation takes an optional `now` so tests can move time without sleeping;
 * when absent the store uses its own clock (the database's `now()` for PostgreSQL).
 */
export interface Clocked {
  readonly now?: Date | undefined
}

/** A validated job to enqueue (defaults not yet applied). */
export interface NewJob {
  readonly type: string
  readonly queue?: string | undefined // default "default"
  readonly payload?: unknown // default null
  readonly priority?: number | undefined // default 0
  readonly runAt?: Date | undefined // absolute; wins over delayMs
  readonly delayMs?: number | undefined // relative to now
  readonly maxAttempts?: number | undefined // default 3
  readonly idempotencyKey?: string | undefined
  /** Jobs of one queue sharing it run at most the queue's key_concurrency (default 1) at a time. */
  readonly concurrencyKey?: string | undefined
}

/** An enqueued job and whether its idempotency key already existed. */
export interface EnqueueOutcome {
  readonly job: Job
  readonly duplicate: boolean
}

export interface LeaseParams extends Clocked {
  readonly workerId: string
  readonly queues: ReadonlyArray<string>
  readonly types?: ReadonlyArray<string> | undefined
  readonly maxJobs: number
  readonly leaseSeconds: number
  /** Size of batches carved from scans on these queues; validated against each scan's max. */
  readonly requestedBatchSize?: number | undefined
  /** The server's max batch size (used when a queue has no scan); default 1,000,000. */
  readonly serverMaxBatchSize?: number | undefined
}

export interface LeaseProofParams extends Clocked {
  readonly id: number
  readonly workerId: string
  readonly leaseToken: string
}

export interface FailParams extends LeaseProofParams {
  readonly error: ReportedError
  readonly retryable?: boolean | undefined
  readonly retryInMs?: number | undefined
}

/** One batched outcome, already validated (error present when outcome is failed). */
export interface AckItemInput {
  readonly jobId: number
  readonly leaseToken: string
  readonly outcome: "completed" | "failed"
  readonly result?: unknown
  readonly error?: ReportedError | undefined
  readonly retryable?: boolean | undefined
  readonly retryInMs?: number | undefined
}

/** A lease that first applies the caller's finished outcomes (SPEC "Acks on a lease"); the acker is `workerId`. */
export interface LeaseAfterAcksParams extends LeaseParams {
  readonly acks: ReadonlyArray<AckItemInput>
}

/** Per-ack results in request order, and the jobs leased after them. */
export interface LeaseAfterAcks {
  readonly acks: ReadonlyArray<AckResult>
  readonly jobs: ReadonlyArray<LeasedJob>
}

const ACK_REPEAT = Symbol.for("@leasehold/core/ackRepeat")

/**
 * Marks an ok ack result that changed nothing (the same token completing again), so counters count
 * transitions only. The mark is a non-enumerable symbol: it never reaches the wire or an equality check.
 */
export const markAckRepeat = (r: AckResult): AckResult => Object.defineProperty(r, ACK_REPEAT, { value: true })

/** True for an ok ack result that was an idempotent repeat (see `markAckRepeat`). */
export const isAckRepeat = (r: AckResult): boolean => (r as unknown as Record<symbol, unknown>)[ACK_REPEAT] === true

/** Marks a complete's answer that changed nothing (the same token and worker again), like `markAckRepeat`. */
export const markJobRepeat = (job: Job): Job => Object.defineProperty(job, ACK_REPEAT, { value: true })

/** True for a complete's answer that was an idempotent repeat (see `markJobRepeat`). */
export const isJobRepeat = (job: Job): boolean => (job as unknown as Record<symbol, unknown>)[ACK_REPEAT] === true

export interface ListJobsParams {
  readonly queue?: string | undefined
  readonly status?: JobStatus | undefined
  readonly type?: string | undefined
  readonly workerId?: string | undefined
  readonly workflowId?: number | undefined
  readonly limit: number
  /** Opaque cursor from a previous page; a malformed one fails with reason Validation. */
  readonly cursor?: string | undefined
}

export interface NewScan {
  readonly name: string
  readonly type: string
  readonly queue?: string | undefined
  readonly start: number
  readonly end: number
  readonly defaultBatchSize?: number | undefined // default 1000 (capped by max)
  readonly maxBatchSize?: number | undefined // default: server max
  readonly payload?: Record<string, unknown> | undefined
  readonly maxAttempts?: number | undefined
}

/** Which jobs a bulk operation on a filter touches (at least one field; the master checks). */
export interface BulkFilterParams {
  readonly queue?: string | undefined
  readonly status?: JobStatus | undefined
  readonly type?: string | undefined
}

/** A bulk operation on a filter; `dryRun` counts what would change and changes nothing. */
export interface BulkMatchingParams extends Clocked {
  readonly filter: BulkFilterParams
  readonly dryRun?: boolean | undefined
}

/** Stats without the worker count, which the registry supplies. */
export interface StoreStats {
  readonly queues: Record<string, QueueStats>
  readonly expired_leases: number
}

/**
 * The storage port: every lifecycle write is conditional and agrees with `JobMachine`.
 * Expected failures (LeaseLost, NotFound, InvalidTransition, ...) are `StoreError`s, never defects.
 */
export interface JobStoreShape {
  /** Enqueue one job; an existing idempotency key in the queue returns that job with duplicate = true. */
  readonly jobEnqueue: (p: { readonly job: NewJob } & Clocked) => Effect.Effect<EnqueueOutcome, StoreError>
  /** Enqueue many in one statement, all or nothing, answers in request order (first of a key wins). */
  readonly jobEnqueueMany: (
    p: { readonly jobs: ReadonlyArray<NewJob> } & Clocked
  ) => Effect.Effect<ReadonlyArray<EnqueueOutcome>, StoreError>
  /** Lease up to maxJobs leasable jobs (carving scan batches when short); attempts + 1, fresh token each. */
  readonly jobLeaseAcquire: (p: LeaseParams) => Effect.Effect<ReadonlyArray<LeasedJob>, StoreError>
  /**
   * Applies `acks` (as `leaseAckMany` would) and then leases (as `jobLeaseAcquire` would), in ONE
   * transaction: a failure of either leaves nothing applied and nothing leased; a rejected item
   * (lease_lost, not_found) does not stop the lease; a job an ack freed is leasable by this same call.
   */
  readonly jobLeaseAcquireAfterAcks: (p: LeaseAfterAcksParams) => Effect.Effect<LeaseAfterAcks, StoreError>
  /**
   * The earliest future moment a job on these queues becomes leasable by time (run_at of a delayed or
   * retrying job, expiry of a lease with attempts left), or null; lets a long-poll sleep exactly that long.
   */
  readonly jobNextLeasableAt: (
    p: { readonly queues: ReadonlyArray<string>; readonly types?: ReadonlyArray<string> | undefined } & Clocked
  ) => Effect.Effect<Date | null, StoreError>
  /** Extend a live lease; leaseSeconds absent reuses the lease's own duration. */
  readonly jobRenewIfLeased: (
    p: LeaseProofParams & { readonly leaseSeconds?: number | undefined }
  ) => Effect.Effect<{ readonly lease_expires_at: string; readonly renew_after: string }, StoreError>
  /** Complete; idempotent for the same token (the first result stands). */
  readonly jobCompleteIfLeased: (p: LeaseProofParams & { readonly result?: unknown }) => Effect.Effect<Job, StoreError>
  /** Fail an attempt: retrying with backoff, or failed when exhausted / not retryable. */
  readonly jobFailIfLeased: (p: FailParams) => Effect.Effect<Job, StoreError>
  /** Give the job back (pending, attempt not counted). */
  readonly jobReleaseIfLeased: (p: LeaseProofParams) => Effect.Effect<Job, StoreError>
  /** Cancel from blocked, pending, retrying or processing (a workflow job's dependents settle with it). */
  readonly jobCancel: (p: { readonly id: number } & Clocked) => Effect.Effect<Job, StoreError>
  /** Admin retry from failed, cancelled or retrying: pending, run_at now, attempts 0. */
  readonly jobRetry: (p: { readonly id: number } & Clocked) => Effect.Effect<Job, StoreError>
  /**
   * Admin retry of many ids, set-based: one result per id in request order (`not_found`,
   * `invalid_transition`); a repeated id is acted on once and reports the same result each time.
   */
  readonly jobRetryMany: (p: { readonly ids: ReadonlyArray<number> } & Clocked) => Effect.Effect<ReadonlyArray<BulkResult>, StoreError>
  /** Cancel of many ids, with the same answer shape as jobRetryMany. */
  readonly jobCancelMany: (p: { readonly ids: ReadonlyArray<number> } & Clocked) => Effect.Effect<ReadonlyArray<BulkResult>, StoreError>
  /** Admin retry of every job matching the filter whose status allows it; answers how many changed (or would). */
  readonly jobRetryMatching: (p: BulkMatchingParams) => Effect.Effect<number, StoreError>
  /** Cancel of every job matching the filter whose status allows it; answers how many changed (or would). */
  readonly jobCancelMatching: (p: BulkMatchingParams) => Effect.Effect<number, StoreError>
  /** The sweeper: expired leases -> retrying (attempts left) or failed, "lease expired" recorded. */
  readonly jobRescueExpired: (p: { readonly limit?: number | undefined } & Clocked) => Effect.Effect<RecoverResponse, StoreError>
  /** Batched outcomes in one transaction; per-item results in request order. */
  readonly leaseAckMany: (
    p: { readonly workerId: string; readonly items: ReadonlyArray<AckItemInput> } & Clocked
  ) => Effect.Effect<ReadonlyArray<AckResult>, StoreError>
  /** Batched renew in one statement; per-item results in request order. */
  readonly leaseRenewMany: (
    p: {
      readonly workerId: string
      readonly items: ReadonlyArray<{ readonly jobId: number; readonly leaseToken: string }>
      readonly leaseSeconds?: number | undefined
    } & Clocked
  ) => Effect.Effect<ReadonlyArray<RenewManyResult>, StoreError>
  readonly jobGet: (p: { readonly id: number }) => Effect.Effect<Job, StoreError>
  /** Keyset pagination by id ascending. */
  readonly jobList: (p: ListJobsParams) => Effect.Effect<{ readonly jobs: ReadonlyArray<Job>; readonly next_cursor: string | null }, StoreError>
  readonly statsGet: (p: Clocked) => Effect.Effect<StoreStats, StoreError>
  readonly leaseList: (
    p: { readonly state: "active" | "expired"; readonly queue?: string | undefined; readonly limit: number } & Clocked
  ) => Effect.Effect<ReadonlyArray<LeaseInfo>, StoreError>
  /** Exact per-queue counts by status (every queue with jobs, or the one asked for); cheap at any table size. */
  readonly queueCountsGet: (p: { readonly queue?: string | undefined }) => Effect.Effect<Record<string, JobCounts>, StoreError>
  /** Completed and failed jobs per minute over the last `minutes` (oldest first, zeros included, current minute last). */
  readonly throughputGet: (
    p: { readonly minutes: number; readonly queue?: string | undefined } & Clocked
  ) => Effect.Effect<ReadonlyArray<ThroughputMinute>, StoreError>
  /** Delete completed/failed/cancelled jobs finished before `before`; returns how many. */
  readonly jobPruneFinished: (p: { readonly before: Date; readonly limit?: number | undefined }) => Effect.Effect<number, StoreError>
  /** Delete up to `limit` whole workflows whose jobs all finished before `before` (never a workflow in part); returns the jobs deleted. */
  readonly workflowPruneFinished: (p: { readonly before: Date; readonly limit: number }) => Effect.Effect<number, StoreError>
  /**
   * One bounded step of pruning: looks at the next `limit` jobs by id after `afterId` and deletes those
   * finished before `before`. `nextAfterId` is where the next step starts (null at the end of the table);
   * `pastCutoff` says the window's last job was created after `before` (plus a margin): ids follow creation
   * time, so with the store's own clock nothing further can be old enough and a pruner stops there.
   */
  readonly jobPruneFinishedStep: (
    p: { readonly before: Date; readonly limit: number; readonly afterId: number }
  ) => Effect.Effect<{ readonly deleted: number; readonly nextAfterId: number | null; readonly pastCutoff: boolean }, StoreError>
  /**
   * Keeps the counters small: folds each counter slot no writer holds into one and drops throughput
   * minutes older than `throughputGet` can return. One short step per slot, never waiting for a writer;
   * counts and throughput read the same before and after. Returns the counter rows moved or dropped.
   */
  readonly countersCompact: (p: Clocked) => Effect.Effect<number, StoreError>
  readonly scanCreate: (p: { readonly scan: NewScan } & Clocked) => Effect.Effect<Scan, StoreError>
  readonly scanGet: (p: { readonly name: string }) => Effect.Effect<Scan, StoreError>
  readonly scanList: () => Effect.Effect<ReadonlyArray<Scan>, StoreError>
  readonly scanSetPaused: (p: { readonly name: string; readonly paused: boolean }) => Effect.Effect<Scan, StoreError>
  /** Record that a worker called in (lease, renew, ack). */
  readonly workerTouch: (p: { readonly workerId: string } & Clocked) => Effect.Effect<void, StoreError>
  /** Workers seen since `since`, with the number of live leases each holds. */
  readonly workerList: (p: { readonly since: Date } & Clocked) => Effect.Effect<ReadonlyArray<WorkerInfo>, StoreError>
}

/** The JobStore service tag. */
export class JobStore extends Context.Service<JobStore, JobStoreShape>()("@leasehold/core/JobStore") {}
