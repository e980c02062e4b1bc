import { Schema } from "effect"
import { Job } from "./job.ts"
import { ConcurrencyKey, IntBetween, JobType, JsonValue, MaxAttempts, Priority, QueueName, Rfc3339, opt } from "./fields.ts"

/** Per-job payload limit: 1 MiB serialized. */
export const MAX_PAYLOAD_BYTES = 1024 * 1024
/** Request bodies above this are 413. */
export const MAX_BODY_BYTES = 32 * 1024 * 1024
/** JSON bodies nested deeper than this many arrays/objects are 400 (payloads and results included). */
export const MAX_JSON_DEPTH = 128
/** Jobs per `POST /jobs/batch`. */
export const MAX_BATCH_JOBS = 10_000
/** delay_ms bound: one year. */
export const MAX_DELAY_MS = 31_536_000_000

/** `POST /jobs` body (and one item of a batch). run_at and delay_ms together are rejected by the handler. */
export const EnqueueRequest = Schema.Struct({
  type: JobType,
  queue: opt(QueueName),
  payload: opt(JsonValue),
  priority: opt(Priority),
  run_at: opt(Rfc3339),
  delay_ms: opt(IntBetween(0, MAX_DELAY_MS)),
  max_attempts: opt(MaxAttempts),
  idempotency_key: opt(Schema.String.check(Schema.isBetweenLength(1, 512))),
  concurrency_key: opt(ConcurrencyKey)
})
export type EnqueueRequest = typeof EnqueueRequest.Type

/** `POST /jobs` answer: 201 new, 200 with duplicate when the idempotency key existed. */
export const EnqueueResponse = Schema.Struct({ job: Job, duplicate: Schema.optionalKey(Schema.Boolean) })
export type EnqueueResponse = typeof EnqueueResponse.Type
/** The 200 answer of `POST /jobs` for an idempotency key that existed (documented apart from the 201). */
export const EnqueueDuplicateResponse = Schema.Struct({ job: Job, duplicate: Schema.Literal(true) })

/** `POST /jobs/batch` body; items are validated one by one so the error can name the index. */
export const EnqueueBatchRequest = Schema.Struct({ jobs: Schema.Array(Schema.Unknown) })
export type EnqueueBatchRequest = typeof EnqueueBatchRequest.Type
/** The documented shape of a `POST /jobs/batch` body: 1..10,000 enqueue items (checked one by one by the handler). */
export const EnqueueBatchShape = Schema.Struct({ jobs: Schema.Array(EnqueueRequest).check(Schema.isBetweenLength(1, MAX_BATCH_JOBS)) })

/** One job of a batch answer, in request order. */
export const EnqueueBatchItem = Schema.Struct({ ...Job.fields, duplicate: Schema.optionalKey(Schema.Boolean) })
export const EnqueueBatchResponse = Schema.Struct({ jobs: Schema.Array(EnqueueBatchItem) })
export type EnqueueBatchResponse = typeof EnqueueBatchResponse.Type
