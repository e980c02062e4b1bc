import type { AddedWorkflowJob, DependencyOutcome, LeasedJob } from "@leasehold/contracts"

/** Structured logger handed to the pool and to every handler. */
export interface WorkerLogger {
  readonly debug: (message: string, fields?: Record<string, unknown>) => void
  readonly info: (message: string, fields?: Record<string, unknown>) => void
  readonly warn: (message: string, fields?: Record<string, unknown>) => void
  readonly error: (message: string, fields?: Record<string, unknown>) => void
}

/** A logger that drops everything (the default of the library). */
export const silentLogger: WorkerLogger = { debug: () => {}, info: () => {}, warn: () => {}, error: () => {} }

/** The lease a handler runs under; `token` doubles as a fencing token for business writes. */
export interface HandlerLease {
  readonly token: string
  /** Current expiry (RFC 3339 UTC); moves forward on every renew. */
  readonly expiresAt: string
}

/** What a handler gets besides the job. */
export interface HandlerContext {
  /** Aborts when the lease is lost (renew answered 409), the job was cancelled, or shutdown ran out of time. */
  readonly signal: AbortSignal
  readonly lease: HandlerLease
  /** 1-based attempt number of this run. */
  readonly attempt: number
  readonly idempotencyKey: string | null
  readonly workerId: string
  readonly log: WorkerLogger
  /** For a job of a workflow (null otherwise): its place there, its dependencies' outcomes, and `add`. */
  readonly workflow: HandlerWorkflow | null
}

/** SPEC "Workflows in handlers": `add` adds jobs under this job's lease, idempotent by key (a retried handler adds nothing twice). */
export interface HandlerWorkflow {
  readonly id: number
  readonly key: string
  /** Each direct dependency's `{job_id, status, result}` by key. */
  readonly dependencies: Readonly<Record<string, DependencyOutcome>>
  /** Items exactly as in `POST /workflows/{id}/jobs` (`key`, `type`, `depends_on`, ...). */
  readonly add: (jobs: ReadonlyArray<Record<string, unknown>>) => Promise<ReadonlyArray<AddedWorkflowJob>>
}

/** A job handler: its resolved value is the job's result; a throw fails the attempt. */
export type JobHandler = (job: LeasedJob, ctx: HandlerContext) => unknown | Promise<unknown>

/** A handlers module's default export: job type -> handler. */
export type Handlers = Readonly<Record<string, JobHandler>>

/** What a finished handler run reports. */
export type Outcome =
  | { readonly outcome: "completed"; readonly result: unknown }
  | {
      readonly outcome: "failed"
      readonly error: { readonly message: string; readonly stack?: string | undefined }
      readonly retryable?: boolean | undefined
      readonly retryInMs?: number | undefined
    }

/**
 * Turns a thrown value into a failed outcome. A thrown error may carry `retryable: false`
 * (dead-letter now) or `retryInMs` (override the backoff).
 */
export const failedOutcome = (thrown: unknown): Outcome => {
  const err = thrown as { message?: unknown; stack?: unknown; retryable?: unknown; retryInMs?: unknown } | null
  const message =
    thrown instanceof Error ? thrown.message : typeof err?.message === "string" ? err.message : String(thrown)
  const stack = typeof err?.stack === "string" ? err.stack.slice(0, 50_000) : undefined
  const retryInMs = typeof err?.retryInMs === "number" && err.retryInMs >= 0 ? Math.floor(err.retryInMs) : undefined
  return {
    outcome: "failed",
    error: { message: (message || "handler failed").slice(0, 50_000), stack },
    retryable: err?.retryable === false ? false : undefined,
    retryInMs
  }
}
