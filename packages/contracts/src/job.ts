import { Schema } from "effect"
import { JsonValue, UtcTimestamp } from "./fields.ts"

/** The seven lifecycle states; also the SQL status values and the machine's state names (`blocked`: waiting for dependencies). */
export const JobStatus = Schema.Literals(["blocked", "pending", "processing", "retrying", "completed", "failed", "cancelled"])
export type JobStatus = typeof JobStatus.Type
export const JOB_STATUSES: ReadonlyArray<JobStatus> = JobStatus.literals

/** One entry of a job's error history. */
export const JobErrorEntry = Schema.Struct({
  attempt: Schema.Number,
  message: Schema.String,
  at: UtcTimestamp,
  /** The stack the worker reported with the failure, when it sent one. */
  stack: Schema.optional(Schema.String)
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
  completed_at: Schema.NullOr(UtcTimestamp),
  /** The workflow the job belongs to and its key there (null outside a workflow). */
  workflow_id: Schema.NullOr(Schema.Number),
  key: Schema.NullOr(Schema.String),
  /** Keys this job waits for (`[]` outside a workflow). */
  depends_on: Schema.Array(Schema.String),
  /** While `blocked`: the keys of dependencies not yet completed. */
  waiting_for: Schema.optional(Schema.Array(Schema.String))
})
export type Job = typeof Job.Type

/** A direct dependency as its dependent's lease shows it. */
export const DependencyOutcome = Schema.Struct({ job_id: Schema.Number, status: JobStatus, result: JsonValue })
export type DependencyOutcome = typeof DependencyOutcome.Type

/** A job as handed to its lease holder: the job plus the lease it holds. */
export const LeasedJob = Schema.Struct({
  ...Job.fields,
  lease_token: Schema.String,
  lease_expires_at: UtcTimestamp,
  renew_after: UtcTimestamp,
  /** Present on jobs of a workflow: which workflow and this job's key there. */
  workflow: Schema.optional(Schema.Struct({ id: Schema.Number, key: Schema.String })),
  /** Present on jobs of a workflow: each direct dependency's outcome by key (`{}` when none). */
  dependencies: Schema.optional(Schema.Record(Schema.String, DependencyOutcome))
})
export type LeasedJob = typeof LeasedJob.Type
