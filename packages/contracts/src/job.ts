import { Schema } from "effect"
import { Count, Id, JobType, JsonValue, MaxAttempts, Priority, QueueName, UtcTimestamp } from "./fields.ts"

/** The seven lifecycle states; also the SQL status values and the machine's state names (`blocked`: waiting for dependencies). */
export const JobStatus = Schema.Literals(["blocked", "pending", "processing", "retrying", "completed", "failed", "cancelled"])
export type JobStatus = typeof JobStatus.Type
export const JOB_STATUSES: ReadonlyArray<JobStatus> = JobStatus.literals

/** One entry of a job's error history. */
export const JobErrorEntry = Schema.Struct({
  attempt: Count,
  message: Schema.String,
  at: UtcTimestamp,
  /** The stack the worker reported with the failure, when it sent one (SPEC: the dashboard shows error history with stacks). */
  stack: Schema.optionalKey(Schema.String)
}).annotate({ identifier: "JobErrorEntry" })
export type JobErrorEntry = typeof JobErrorEntry.Type

/** A job as every read returns it (never carries the lease token). */
export const Job = Schema.Struct({
  id: Id,
  queue: QueueName,
  type: JobType,
  payload: JsonValue,
  status: JobStatus,
  priority: Priority,
  run_at: UtcTimestamp,
  attempts: Count,
  max_attempts: MaxAttempts,
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
  workflow_id: Schema.NullOr(Id),
  key: Schema.NullOr(Schema.String),
  /** Keys this job waits for (`[]` outside a workflow). */
  depends_on: Schema.Array(Schema.String),
  /**
   * Jobs of one queue sharing this key run at most `key_concurrency` at a time (null: not limited by key).
   * Every store writes it on every read; optional in the schema only so that hand-built jobs elsewhere
   * (test doubles) stay valid.
   */
  concurrency_key: Schema.optionalKey(Schema.NullOr(Schema.String)),
  /** While `blocked`: the keys of dependencies not yet completed. */
  waiting_for: Schema.optionalKey(Schema.Array(Schema.String))
}).annotate({ identifier: "Job" })
export type Job = typeof Job.Type

/** A direct dependency as its dependent's lease shows it. */
export const DependencyOutcome = Schema.Struct({ job_id: Id, status: JobStatus, result: JsonValue })
export type DependencyOutcome = typeof DependencyOutcome.Type

/** A job as handed to its lease holder: the job plus the lease it holds. */
export const LeasedJob = Schema.Struct({
  ...Job.fields,
  lease_token: Schema.String,
  lease_expires_at: UtcTimestamp,
  renew_after: UtcTimestamp,
  /** Present on jobs of a workflow: which workflow and this job's key there. */
  workflow: Schema.optionalKey(Schema.Struct({ id: Id, key: Schema.String })),
  /** Present on jobs of a workflow: each direct dependency's outcome by key (`{}` when none). */
  dependencies: Schema.optionalKey(Schema.Record(Schema.String, DependencyOutcome))
}).annotate({ identifier: "LeasedJob" })
export type LeasedJob = typeof LeasedJob.Type
