import { LEASE_SECONDS_MAX, LEASE_SECONDS_MIN } from "@leasehold/contracts"
import { storeError, type StoreError } from "../errors.ts"
import type { NewJob } from "../JobStore.ts"

const QUEUE = /^[a-z0-9_.-]{1,64}$/
const intIn = (n: number, min: number, max: number) => Number.isInteger(n) && n >= min && n <= max

/** The invariants the database's CHECK constraints hold, so the memory store refuses what PostgreSQL refuses. */
export const checkNewJob = (job: NewJob, index?: number): StoreError | null => {
  const invalid = (message: string) => storeError("Validation", message, index === undefined ? undefined : { index })
  if (job.queue !== undefined && !QUEUE.test(job.queue)) return invalid("queue must match [a-z0-9_.-]{1,64}")
  if (job.type.length < 1 || job.type.length > 200) return invalid("type must be 1..200 characters")
  if (job.concurrencyKey !== undefined && (job.concurrencyKey.length < 1 || job.concurrencyKey.length > 200))
    return invalid("concurrency_key must be 1..200 characters")
  if (job.priority !== undefined && !intIn(job.priority, -1000, 1000)) return invalid("priority must be an integer in -1000..1000")
  if (job.maxAttempts !== undefined && !intIn(job.maxAttempts, 1, 100)) return invalid("max_attempts must be an integer in 1..100")
  if (job.runAt !== undefined && Number.isNaN(job.runAt.getTime())) return invalid("run_at is not a valid time")
  if (job.delayMs !== undefined && !(Number.isFinite(job.delayMs) && job.delayMs >= 0)) return invalid("delay_ms must not be negative")
  return null
}

/** Lease durations stay within the server bounds (1..86400 s). */
export const checkLeaseSeconds = (seconds: number): StoreError | null =>
  intIn(seconds, LEASE_SECONDS_MIN, LEASE_SECONDS_MAX)
    ? null
    : storeError("Validation", `lease_seconds must be an integer in ${LEASE_SECONDS_MIN}..${LEASE_SECONDS_MAX}`)
