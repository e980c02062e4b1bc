import { Schema } from "effect"
import { Job, JobStatus } from "./job.ts"
import { JobType, QueueName, UtcTimestamp } from "./fields.ts"

/** Query params arrive as strings; numbers are parsed by these schemas. */
const IntString = (minimum: number, maximum: number) =>
  Schema.NumberFromString.check(Schema.isInt(), Schema.isBetween({ minimum, maximum }))

/** `GET /jobs` query. */
export const ListJobsQuery = Schema.Struct({
  queue: Schema.optional(QueueName),
  status: Schema.optional(JobStatus),
  type: Schema.optional(JobType),
  worker_id: Schema.optional(Schema.String.check(Schema.isBetweenLength(1, 200))),
  workflow_id: Schema.optional(IntString(1, Number.MAX_SAFE_INTEGER)),
  limit: Schema.optional(IntString(1, 500)),
  cursor: Schema.optional(Schema.String.check(Schema.isBetweenLength(1, 100)))
})
export type ListJobsQuery = typeof ListJobsQuery.Type
export const ListJobsResponse = Schema.Struct({ jobs: Schema.Array(Job), next_cursor: Schema.NullOr(Schema.String) })
export type ListJobsResponse = typeof ListJobsResponse.Type

/** `GET /leases` query. */
export const ListLeasesQuery = Schema.Struct({
  state: Schema.optional(Schema.Literals(["active", "expired"])),
  queue: Schema.optional(QueueName),
  limit: Schema.optional(IntString(1, 1000))
})
export type ListLeasesQuery = typeof ListLeasesQuery.Type
export const LeaseInfo = Schema.Struct({
  job_id: Schema.Number,
  queue: Schema.String,
  type: Schema.String,
  worker_id: Schema.String,
  leased_at: UtcTimestamp,
  lease_expires_at: UtcTimestamp
})
export type LeaseInfo = typeof LeaseInfo.Type
export const ListLeasesResponse = Schema.Struct({ leases: Schema.Array(LeaseInfo) })
export type ListLeasesResponse = typeof ListLeasesResponse.Type

/** `POST /leases/recover` answer. */
export const RecoverResponse = Schema.Struct({ retried: Schema.Number, failed: Schema.Number })
export type RecoverResponse = typeof RecoverResponse.Type

/** Counts of one queue by status. */
export const QueueStats = Schema.Struct({
  blocked: Schema.Number,
  pending: Schema.Number,
  processing: Schema.Number,
  retrying: Schema.Number,
  completed: Schema.Number,
  failed: Schema.Number,
  cancelled: Schema.Number,
  oldest_pending_age_ms: Schema.NullOr(Schema.Number)
})
export type QueueStats = typeof QueueStats.Type
export const StatsResponse = Schema.Struct({
  queues: Schema.Record(Schema.String, QueueStats),
  expired_leases: Schema.Number,
  workers_active: Schema.Number
})
export type StatsResponse = typeof StatsResponse.Type

export const WorkerInfo = Schema.Struct({ worker_id: Schema.String, last_seen_at: UtcTimestamp, in_flight: Schema.Number })
export type WorkerInfo = typeof WorkerInfo.Type
export const ListWorkersResponse = Schema.Struct({ workers: Schema.Array(WorkerInfo) })
export type ListWorkersResponse = typeof ListWorkersResponse.Type

/** `GET /whoami`: the caller's role (admin when no token is configured), so a client can hide what it may not do. */
export const WhoAmIResponse = Schema.Struct({ role: Schema.Literals(["admin", "producer", "worker"]), auth: Schema.Boolean })
export type WhoAmIResponse = typeof WhoAmIResponse.Type
