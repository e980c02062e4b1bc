import { Schema } from "effect"
import { Count, IntBetween, JobType, MaxAttempts, QueueName } from "./fields.ts"

/** Scan ranges live within [0, 2^53]. */
export const SCAN_MAX_END = 2 ** 53
/** A scan's default batch size when the request gives none. */
export const DEFAULT_SCAN_BATCH_SIZE = 1000

/** Scan names are `[a-z0-9_.-]{1,64}`. */
export const ScanName = Schema.String.check(Schema.isPattern(/^[a-z0-9_.-]{1,64}$/u))
const Bound = IntBetween(0, SCAN_MAX_END)
const BatchSize = IntBetween(1, SCAN_MAX_END)

/** `POST /scans` body; start < end, the batch sizes and the payload's keys are checked by the handler. */
export const CreateScanRequest = Schema.Struct({
  name: ScanName,
  type: JobType,
  queue: Schema.optional(Schema.NullOr(QueueName)),
  start: Bound,
  end: Bound,
  default_batch_size: Schema.optional(Schema.NullOr(BatchSize)),
  max_batch_size: Schema.optional(Schema.NullOr(BatchSize)),
  payload: Schema.optional(Schema.NullOr(Schema.Record(Schema.String, Schema.Unknown))),
  max_attempts: Schema.optional(Schema.NullOr(MaxAttempts))
})
export type CreateScanRequest = typeof CreateScanRequest.Type

/** Batches of a scan by status. */
export const ScanBatches = Schema.Struct({
  pending: Count,
  processing: Count,
  retrying: Count,
  completed: Count,
  failed: Count,
  cancelled: Count
})
export type ScanBatches = typeof ScanBatches.Type

/** A scan as read back: progress = completed_units / total_units. */
export const Scan = Schema.Struct({
  name: ScanName,
  queue: QueueName,
  type: JobType,
  start: Bound,
  end: Bound,
  cursor: Bound,
  default_batch_size: BatchSize,
  max_batch_size: BatchSize,
  paused: Schema.Boolean,
  batches: ScanBatches,
  completed_units: Bound,
  failed_units: Bound,
  total_units: Bound,
  progress: Schema.Finite.check(Schema.isBetween({ minimum: 0, maximum: 1 })),
  done: Schema.Boolean
}).annotate({ identifier: "Scan" })
export type Scan = typeof Scan.Type
export const ScanResponse = Schema.Struct({ scan: Scan })
export type ScanResponse = typeof ScanResponse.Type
export const ListScansResponse = Schema.Struct({ scans: Schema.Array(Scan) })
export type ListScansResponse = typeof ListScansResponse.Type
