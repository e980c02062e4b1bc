import { Schema } from "effect"
import { LeasedJob } from "./job.ts"
import { Id, IntBetween, JobType, JsonValue, QueueName, UtcTimestamp, isNotBlank, opt } from "./fields.ts"
import { Job } from "./job.ts"

/** Lease duration bounds in seconds (SPEC: 1..86400). */
export const LEASE_SECONDS_MIN = 1
export const LEASE_SECONDS_MAX = 86_400
/** Jobs per lease call. */
export const MAX_JOBS_MAX = 1000
/** Acks one lease call may carry (SPEC: 1..1000). */
export const MAX_ACKS_ON_LEASE = 1000
/** Longest long-poll. */
export const WAIT_MS_MAX = 30_000
/** The server's default ceiling for carved scan batches. */
export const DEFAULT_MAX_BATCH_SIZE = 1_000_000

const WorkerIdField = Schema.String.check(Schema.isBetweenLength(1, 200), isNotBlank)
const TokenField = Schema.String.check(Schema.isBetweenLength(1, 200))
const LeaseSeconds = IntBetween(LEASE_SECONDS_MIN, LEASE_SECONDS_MAX)

/** Proof of holding a lease: presented by renew, complete, fail and release. */
export const LeaseProof = Schema.Struct({ worker_id: WorkerIdField, lease_token: TokenField })

/** `POST /jobs/{id}/renew` body. */
export const RenewRequest = Schema.Struct({ ...LeaseProof.fields, lease_seconds: opt(LeaseSeconds) })
export type RenewRequest = typeof RenewRequest.Type
export const RenewResponse = Schema.Struct({ lease_expires_at: UtcTimestamp, renew_after: Schema.optionalKey(UtcTimestamp) })
export type RenewResponse = typeof RenewResponse.Type

/** `POST /jobs/{id}/complete` body. */
export const CompleteRequest = Schema.Struct({ ...LeaseProof.fields, result: opt(JsonValue) })
export type CompleteRequest = typeof CompleteRequest.Type

/** The error a worker reports for a failed attempt. */
export const ReportedError = Schema.Struct({
  message: Schema.String.check(Schema.isMaxLength(100_000)),
  stack: opt(Schema.String.check(Schema.isMaxLength(100_000)))
})
export type ReportedError = typeof ReportedError.Type

/** Retry delay override bound: one year. */
export const MAX_RETRY_IN_MS = 31_536_000_000

/** `POST /jobs/{id}/fail` body. */
export const FailRequest = Schema.Struct({
  ...LeaseProof.fields,
  error: ReportedError,
  retryable: opt(Schema.Boolean),
  retry_in_ms: opt(IntBetween(0, MAX_RETRY_IN_MS))
})
export type FailRequest = typeof FailRequest.Type

/** `POST /jobs/{id}/release` body. */
export const ReleaseRequest = LeaseProof
export type ReleaseRequest = typeof ReleaseRequest.Type

/** `{job}` answer of complete, fail, release, cancel, retry and get. */
export const JobResponse = Schema.Struct({ job: Job })
export type JobResponse = typeof JobResponse.Type

/** One batched outcome. `error` is required when `outcome` is `failed` (checked by the handler). */
export const AckItem = Schema.Struct({
  job_id: Id,
  lease_token: TokenField,
  outcome: Schema.Literals(["completed", "failed"]),
  result: opt(JsonValue),
  error: opt(ReportedError),
  retryable: opt(Schema.Boolean),
  retry_in_ms: opt(IntBetween(0, MAX_RETRY_IN_MS))
})
export type AckItem = typeof AckItem.Type

/** `POST /leases/ack` body. */
export const AckRequest = Schema.Struct({
  worker_id: WorkerIdField,
  items: Schema.Array(AckItem).check(Schema.isBetweenLength(1, 10_000))
})
export type AckRequest = typeof AckRequest.Type

/** A per-item error inside a batched answer. Optional answer fields are `optionalKey`: absent, never `null`. */
export const ItemError = Schema.Struct({ code: Schema.String, message: Schema.String })
export type ItemError = typeof ItemError.Type

export const AckResult = Schema.Struct({ job_id: Id, ok: Schema.Boolean, error: Schema.optionalKey(ItemError) })
export type AckResult = typeof AckResult.Type
export const AckResponse = Schema.Struct({ results: Schema.Array(AckResult) })
export type AckResponse = typeof AckResponse.Type

/** `POST /jobs/lease` body. */
export const LeaseRequest = Schema.Struct({
  worker_id: WorkerIdField,
  queues: opt(Schema.Array(QueueName).check(Schema.isBetweenLength(1, 100))),
  types: opt(Schema.Array(JobType).check(Schema.isBetweenLength(1, 1000))),
  max_jobs: opt(IntBetween(1, MAX_JOBS_MAX)),
  requested_batch_size: opt(IntBetween(1, Number.MAX_SAFE_INTEGER)),
  lease_seconds: opt(LeaseSeconds),
  wait_ms: opt(IntBetween(0, WAIT_MS_MAX)),
  /** Outcomes of finished jobs, applied before the lease in the same transaction (SPEC "Acks on a lease"). */
  acks: opt(Schema.Array(AckItem).check(Schema.isBetweenLength(1, MAX_ACKS_ON_LEASE)))
})
export type LeaseRequest = typeof LeaseRequest.Type

/** `POST /jobs/lease` answer; an empty list is not an error. */
export const LeaseResponse = Schema.Struct({
  jobs: Schema.Array(LeasedJob),
  server_now: UtcTimestamp,
  /** Present when the request carried `acks`: one result per item, in request order. */
  acks: Schema.optionalKey(Schema.Array(AckResult))
})
export type LeaseResponse = typeof LeaseResponse.Type

/** `POST /leases/renew` body. */
export const RenewManyRequest = Schema.Struct({
  worker_id: WorkerIdField,
  items: Schema.Array(Schema.Struct({ job_id: Id, lease_token: TokenField })).check(
    Schema.isBetweenLength(1, 10_000)
  ),
  lease_seconds: opt(LeaseSeconds)
})
export type RenewManyRequest = typeof RenewManyRequest.Type

export const RenewManyResult = Schema.Struct({
  job_id: Id,
  ok: Schema.Boolean,
  lease_expires_at: Schema.optionalKey(UtcTimestamp),
  renew_after: Schema.optionalKey(UtcTimestamp),
  error: Schema.optionalKey(ItemError)
})
export type RenewManyResult = typeof RenewManyResult.Type
export const RenewManyResponse = Schema.Struct({ results: Schema.Array(RenewManyResult) })
export type RenewManyResponse = typeof RenewManyResponse.Type
