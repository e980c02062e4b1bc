import { Schema } from "effect"
import { Job, JobStatus } from "./job.ts"
import { Count, Id, JobType, QueueName, UtcTimestamp } from "./fields.ts"

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
  job_id: Id,
  queue: QueueName,
  type: JobType,
  worker_id: Schema.String,
  leased_at: UtcTimestamp,
  lease_expires_at: UtcTimestamp
}).annotate({ identifier: "LeaseInfo" })
export type LeaseInfo = typeof LeaseInfo.Type
export const ListLeasesResponse = Schema.Struct({ leases: Schema.Array(LeaseInfo) })
export type ListLeasesResponse = typeof ListLeasesResponse.Type

/** `POST /leases/recover` answer. */
export const RecoverResponse = Schema.Struct({ retried: Count, failed: Count })
export type RecoverResponse = typeof RecoverResponse.Type

/** Jobs of one queue by status (exact: kept by the store in the transactions that change them). */
export const JobCounts = Schema.Struct({
  blocked: Count,
  pending: Count,
  processing: Count,
  retrying: Count,
  completed: Count,
  failed: Count,
  cancelled: Count
})
export type JobCounts = typeof JobCounts.Type

/** Counts of one queue by status, and how long its oldest due pending job has waited. */
export const QueueStats = Schema.Struct({
  ...JobCounts.fields,
  oldest_pending_age_ms: Schema.NullOr(Count)
}).annotate({ identifier: "QueueStats" })
export type QueueStats = typeof QueueStats.Type
export const StatsResponse = Schema.Struct({
  queues: Schema.Record(QueueName, QueueStats),
  expired_leases: Count,
  workers_active: Count
})
export type StatsResponse = typeof StatsResponse.Type

export const WorkerInfo = Schema.Struct({ worker_id: Schema.String, last_seen_at: UtcTimestamp, in_flight: Count }).annotate({ identifier: "WorkerInfo" })
export type WorkerInfo = typeof WorkerInfo.Type
export const ListWorkersResponse = Schema.Struct({ workers: Schema.Array(WorkerInfo) })
export type ListWorkersResponse = typeof ListWorkersResponse.Type

/** `GET /whoami`: the caller's role (admin when no token is configured), so a client can hide what it may not do. */
export const WhoAmIResponse = Schema.Struct({ role: Schema.Literals(["admin", "producer", "worker"]), auth: Schema.Boolean })
export type WhoAmIResponse = typeof WhoAmIResponse.Type

/** `GET /stats/throughput` query: the last `minutes` minutes (1..1440, default 60), one queue or all. */
export const ThroughputQuery = Schema.Struct({
  minutes: Schema.optional(IntString(1, 1440)),
  queue: Schema.optional(QueueName)
})
export type ThroughputQuery = typeof ThroughputQuery.Type
/** Jobs that finished in one minute; `at` is the minute's start. */
export const ThroughputMinute = Schema.Struct({ at: UtcTimestamp, completed: Count, failed: Count })
export type ThroughputMinute = typeof ThroughputMinute.Type
/** Oldest first, one entry per minute (zeros included); the last is the current, partial minute. */
export const ThroughputResponse = Schema.Struct({ minutes: Schema.Array(ThroughputMinute) })
export type ThroughputResponse = typeof ThroughputResponse.Type
