import { Schema } from "effect"
import { JsonValue, UtcTimestamp } from "./fields.ts"

/** The six lifecycle states; also the SQL status values and the machine's state names. */
export const JobStatus = Schema.Literals(["pending", "processing", "retrying", "completed", "failed", "cancelled"])
export type JobStatus = typeof JobStatus.Type
export const JOB_STATUSES: ReadonlyArray<JobStatus> = JobStatus.literals

/** One entry of a job's error history. */
export const JobErrorEntry = Schema.Struct({
  attempt: Schema.Number,
  message: Schema.String,
  at: UtcTimestamp
})
export type JobErrorEntry = typeof JobErrorEntry.Type

/** A job as every read returns it (never carries the lease token). */
export const Job = Schema.Struct({
  id: Schema.Number,
  queue: Schema.String,
  type: Schema.String,
  payload: JsonValue,
  status: JobStatus,
  priority: Schema.Number,
  run_at: UtcTimestamp,
  attempts: Schema.Number,
  max_attempts: Schema.Number,
  worker_id: Schema.NullOr(Schema.String),
  lease_expires_at: Schema.NullOr(UtcTimestamp),
  last_error: Schema.NullOr(Schema.String),
  errors: Schema.Array(JobErrorEntry),
  result: JsonValue,
  idempotency_key: Schema.NullOr(Schema.String),
  scan: Schema.NullOr(Schema.String),
  created_at: UtcTimestamp,
  updated_at: UtcTimestamp,
  completed_at: Schema.NullOr(UtcTimestamp)
})
export type Job = typeof Job.Type

/** A job as handed to its lease holder: the job plus the lease it holds. */
export const LeasedJob = Schema.Struct({
  ...Job.fields,
  lease_token: Schema.String,
  lease_expires_at: UtcTimestamp,
  renew_after: UtcTimestamp
})
export type LeasedJob = typeof LeasedJob.Type
