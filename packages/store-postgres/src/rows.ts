import type { Job, JobErrorEntry, JobStatus, LeasedJob } from "@leasehold/contracts"

/**
 * A `jobs` row as postgres.js returns it (timestamptz as Date, jsonb parsed).
 *
 * Two values are derived instead of written, to keep them out of the WAL of every lease and ack (each
 * update logs the bytes between the first and last column it changes, so a column left null is bytes
 * not logged):
 *  - a completed job's completed_at is its updated_at (completion is its last write; the column stays
 *    null; failed and cancelled jobs still store theirs): `completedAt`;
 *  - a lease's duration is `lease_expires_at - updated_at` (lease and renew set both from one instant
 *    and are the only writes to a processing row; lease_seconds stays null).
 */
export interface JobRow {
  readonly id: number | string
  readonly created_at: Date
  readonly run_at: Date
  readonly max_attempts: number
  readonly priority: number
  readonly queue: string
  readonly type: string
  readonly idempotency_key: string | null
  readonly scan: string | null
  readonly status: JobStatus
  readonly attempts: number
  readonly lease_seconds: number | null
  readonly leased_at: Date | null
  readonly lease_expires_at: Date | null
  readonly updated_at: Date
  readonly completed_at: Date | null
  readonly lease_token: string | null
  readonly worker_id: string | null
  readonly result: unknown
  readonly last_error: string | null
  readonly errors: ReadonlyArray<JobErrorEntry> | null
  readonly payload: unknown
  readonly workflow_id: number | string | null
  readonly key: string | null
  readonly depends_on: ReadonlyArray<string> | null
  readonly concurrency_key: string | null
  /** Only selected by reads (see queries/workflows.ts `waitingFor`): a blocked job's unfinished dependencies. */
  readonly waiting_for?: ReadonlyArray<string> | null
}

/** Distinct instants remembered by `iso`: a leased batch shares most of its timestamps. */
const ISO_CACHE_SIZE = 4096
const isoCache = new Map<number, string>()

const isoMs = (ms: number): string => {
  let s = isoCache.get(ms)
  if (s === undefined) {
    s = new Date(ms).toISOString()
    if (isoCache.size >= ISO_CACHE_SIZE) isoCache.clear()
    isoCache.set(ms, s)
  }
  return s
}

/** RFC 3339 in UTC with `Z`, whatever the process or session time zone (memoized: toISOString is slow). */
export const iso = (d: Date): string => isoMs(d.getTime())

const isoOrNull = (d: Date | null): string | null => (d === null ? null : iso(d))

/** When the job finished: stored for failed and cancelled jobs, the last update for completed ones. */
const completedAt = (row: JobRow): Date | null => row.completed_at ?? (row.status === "completed" ? row.updated_at : null)

/** The wire job of a row; the lease token never appears in job reads. */
export const toJob = (row: JobRow): Job => ({
  id: Number(row.id),
  queue: row.queue,
  type: row.type,
  payload: row.payload ?? null,
  status: row.status,
  priority: row.priority,
  run_at: iso(row.run_at),
  attempts: row.attempts,
  max_attempts: row.max_attempts,
  worker_id: row.worker_id,
  lease_expires_at: isoOrNull(row.lease_expires_at),
  last_error: row.last_error,
  errors: row.errors ?? [],
  result: row.result ?? null,
  idempotency_key: row.idempotency_key,
  scan: row.scan,
  created_at: iso(row.created_at),
  updated_at: iso(row.updated_at),
  completed_at: isoOrNull(completedAt(row)),
  workflow_id: row.workflow_id === null ? null : Number(row.workflow_id),
  key: row.key,
  depends_on: row.depends_on ?? [],
  concurrency_key: row.concurrency_key ?? null,
  ...(row.status === "blocked" && row.waiting_for ? { waiting_for: row.waiting_for } : {})
})

/** What a new job is built from when its row is not read back (see `enqueuePlainColumns`). */
export interface NewJobFields {
  readonly queue: string
  readonly type: string
  readonly payload: unknown
  readonly priority: number
  readonly max_attempts: number
  readonly concurrency_key: string | null
}

/** A job just inserted without an idempotency key, as its row reads: pending, nothing run yet. */
export const newJob = (id: number, f: NewJobFields, runAtMs: number, nowMs: number): Job => ({
  id,
  queue: f.queue,
  type: f.type,
  payload: f.payload ?? null,
  status: "pending",
  priority: f.priority,
  run_at: isoMs(runAtMs),
  attempts: 0,
  max_attempts: f.max_attempts,
  worker_id: null,
  lease_expires_at: null,
  last_error: null,
  errors: [],
  result: null,
  idempotency_key: null,
  scan: null,
  created_at: isoMs(nowMs),
  updated_at: isoMs(nowMs),
  completed_at: null,
  workflow_id: null,
  key: null,
  depends_on: [],
  concurrency_key: f.concurrency_key
})

/**
 * A leased row as the lease statement returns it: the wire job built by PostgreSQL (see
 * queries/lease.ts), and the columns the store orders and routes by.
 */
export interface LeaseRow {
  readonly id: number | string
  readonly priority: number
  readonly run_at_ms: number
  readonly workflow_id: number | string | null
  readonly job: LeasedJob
}

/** The job as its new lease holder sees it: with the token, the expiry and when to renew (half-way). */
export const toLeasedJob = (row: LeaseRow): LeasedJob => row.job
