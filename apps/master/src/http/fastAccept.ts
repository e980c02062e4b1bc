import { LEASE_SECONDS_MAX, LEASE_SECONDS_MIN, MAX_ACKS_ON_LEASE, MAX_DELAY_MS, MAX_JOBS_MAX, MAX_RETRY_IN_MS, WAIT_MS_MAX } from "@leasehold/contracts"

/**
 * Fast acceptance checks for the two bodies that carry thousands of items (batch enqueue, batched ack)
 * and for the lease body, which every worker sends in a loop.
 * Each returns true only for input the contracts schema certainly accepts; anything else goes through
 * the schema decoder, which stays the authority (and writes the error message). A property test holds
 * them to that: fast-accepted => schema-accepted.
 */
const isObj = (v: unknown): v is Record<string, unknown> => typeof v === "object" && v !== null && !Array.isArray(v)
const absent = (v: unknown) => v === undefined || v === null
const str = (v: unknown, min: number, max: number) => typeof v === "string" && v.length >= min && v.length <= max
const int = (v: unknown, min: number, max: number) => typeof v === "number" && Number.isInteger(v) && v >= min && v <= max
const QUEUE = /^[a-z0-9_.-]{1,64}$/
const NOT_BLANK = /\S/
const workerId = (v: unknown) => str(v, 1, 200) && NOT_BLANK.test(v as string)

/** One `POST /jobs` body or batch item, in its common shape (no run_at: the schema checks dates). */
export const fastEnqueueItem = (v: unknown): boolean =>
  isObj(v) &&
  str(v.type, 1, 200) &&
  (absent(v.queue) || (typeof v.queue === "string" && QUEUE.test(v.queue))) &&
  (absent(v.priority) || int(v.priority, -1000, 1000)) &&
  absent(v.run_at) &&
  (absent(v.delay_ms) || int(v.delay_ms, 0, MAX_DELAY_MS)) &&
  (absent(v.max_attempts) || int(v.max_attempts, 1, 100)) &&
  (absent(v.idempotency_key) || str(v.idempotency_key, 1, 512)) &&
  (absent(v.concurrency_key) || str(v.concurrency_key, 1, 200))

/** One `/leases/ack` item. */
export const fastAckItem = (v: unknown): boolean =>
  isObj(v) &&
  int(v.job_id, 1, Number.MAX_SAFE_INTEGER) &&
  str(v.lease_token, 1, 200) &&
  (v.outcome === "completed" || v.outcome === "failed") &&
  (absent(v.error) || (isObj(v.error) && str(v.error.message, 0, 100_000) && (absent(v.error.stack) || str(v.error.stack, 0, 100_000)))) &&
  (absent(v.retryable) || typeof v.retryable === "boolean") &&
  (absent(v.retry_in_ms) || int(v.retry_in_ms, 0, MAX_RETRY_IN_MS))

/** A whole `/leases/ack` body. */
export const fastAckRequest = (v: unknown): boolean => {
  return isObj(v) && workerId(v.worker_id) && ackList(v.items, 10_000)
}

const queueList = (v: unknown, max: number): boolean => {
  if (!Array.isArray(v) || v.length < 1 || v.length > max) return false
  for (const q of v) if (typeof q !== "string" || !QUEUE.test(q)) return false
  return true
}
const typeList = (v: unknown, max: number): boolean => {
  if (!Array.isArray(v) || v.length < 1 || v.length > max) return false
  for (const t of v) if (!str(t, 1, 200)) return false
  return true
}

const ackList = (v: unknown, max: number): boolean => {
  if (!Array.isArray(v) || v.length < 1 || v.length > max) return false
  for (const item of v) if (!fastAckItem(item)) return false
  return true
}

/** A whole `POST /jobs/lease` body, acks included. */
export const fastLeaseRequest = (v: unknown): boolean =>
  isObj(v) &&
  workerId(v.worker_id) &&
  (absent(v.queues) || queueList(v.queues, 100)) &&
  (absent(v.types) || typeList(v.types, 1000)) &&
  (absent(v.max_jobs) || int(v.max_jobs, 1, MAX_JOBS_MAX)) &&
  (absent(v.requested_batch_size) || int(v.requested_batch_size, 1, Number.MAX_SAFE_INTEGER)) &&
  (absent(v.lease_seconds) || int(v.lease_seconds, LEASE_SECONDS_MIN, LEASE_SECONDS_MAX)) &&
  (absent(v.wait_ms) || int(v.wait_ms, 0, WAIT_MS_MAX)) &&
  (absent(v.acks) || ackList(v.acks, MAX_ACKS_ON_LEASE))
