import { Schema } from "effect"
import { IntBetween, QueueName } from "./fields.ts"
import { JobCounts } from "./reads.ts"

/** Bounds of a queue's limits (SPEC "Queues" precise rule). */
export const QUEUE_LIMIT_MAX = 100_000
export const RATE_LIMIT_MAX = 1_000_000
export const RATE_PERIOD_MAX_MS = 86_400_000

/** At most `limit` leases granted per fixed window of `period_ms` on the queue, across every master. */
export const RateLimit = Schema.Struct({
  limit: IntBetween(1, RATE_LIMIT_MAX),
  period_ms: IntBetween(1, RATE_PERIOD_MAX_MS)
})
export type RateLimit = typeof RateLimit.Type

/** `PATCH /queues/{name}`: a field that is absent stays as it is; `null` clears it. */
export const PatchQueueRequest = Schema.Struct({
  max_concurrency: Schema.optional(Schema.NullOr(IntBetween(1, QUEUE_LIMIT_MAX))),
  rate_limit: Schema.optional(Schema.NullOr(RateLimit)),
  key_concurrency: Schema.optional(Schema.NullOr(IntBetween(1, QUEUE_LIMIT_MAX)))
})
export type PatchQueueRequest = typeof PatchQueueRequest.Type

/** Jobs of a queue by status. */
export const QueueCounts = JobCounts
export type QueueCounts = typeof QueueCounts.Type

/** A queue as read back: its settings (null when unset) and its counts. */
export const Queue = Schema.Struct({
  name: QueueName,
  paused: Schema.Boolean,
  max_concurrency: Schema.NullOr(IntBetween(1, QUEUE_LIMIT_MAX)),
  rate_limit: Schema.NullOr(RateLimit),
  key_concurrency: Schema.NullOr(IntBetween(1, QUEUE_LIMIT_MAX)),
  counts: QueueCounts
})
export type Queue = typeof Queue.Type
export const QueueResponse = Schema.Struct({ queue: Queue })
export type QueueResponse = typeof QueueResponse.Type
export const ListQueuesResponse = Schema.Struct({ queues: Schema.Array(Queue) })
export type ListQueuesResponse = typeof ListQueuesResponse.Type

/** A queue's settings alone (what the store keeps). */
export type QueueSettings = Omit<Queue, "counts">
