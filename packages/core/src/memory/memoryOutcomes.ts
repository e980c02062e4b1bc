import { STORE_ERROR_CODE, type StoreError } from "../errors.ts"
import type { FailParams, LeaseProofParams } from "../JobStore.ts"
import {
  addMs,
  findRow,
  holdsLease,
  isStoreError,
  iso,
  jsonCopy,
  leaseLost,
  renewAfter,
  transitionRow,
  type MemoryRow,
  type MemoryState
} from "./MemoryState.ts"
import { checkLeaseSeconds } from "./memoryValidation.ts"

/** The row held by this proof, or NotFound / LeaseLost. */
const heldRow = (state: MemoryState, p: LeaseProofParams): StoreError | MemoryRow => {
  const row = findRow(state, p.id)
  if (isStoreError(row)) return row
  return holdsLease(row, p.workerId, p.leaseToken) ? row : leaseLost(p.id)
}

/**
 * Complete under a lease. The same token and worker again find the completed job unchanged, marked as
 * a repeat (`repeat: true`); the right token with another worker id is LeaseLost, like every mismatch.
 */
export const completeRow = (
  state: MemoryState,
  p: LeaseProofParams & { readonly result?: unknown },
  now: Date
): StoreError | { readonly row: MemoryRow; readonly repeat: boolean } => {
  const row = findRow(state, p.id)
  if (isStoreError(row)) return row
  if (row.status === "completed" && row.leaseToken === p.leaseToken)
    return row.completedBy === p.workerId ? { row, repeat: true } : leaseLost(p.id)
  if (!holdsLease(row, p.workerId, p.leaseToken)) return leaseLost(p.id)
  const done = transitionRow(row, { type: "COMPLETE" }, now)
  if (isStoreError(done)) return done
  row.result = jsonCopy(p.result)
  return { row, repeat: false }
}

/** Fail an attempt: history recorded, then retrying after backoff (or `retryInMs`) or failed. */
export const failRow = (state: MemoryState, p: Omit<FailParams, "now">, now: Date): StoreError | MemoryRow => {
  const row = heldRow(state, p)
  if (isStoreError(row)) return row
  const attempt = row.attempts
  const next = transitionRow(row, { type: "FAIL", retryable: p.retryable ?? true }, now)
  if (isStoreError(next)) return next
  row.errors.push({ attempt, message: p.error.message, at: iso(now), ...(p.error.stack ? { stack: p.error.stack } : {}) })
  row.lastError = p.error.message
  if (row.status === "retrying") row.runAt = addMs(now, p.retryInMs ?? state.retryPolicy.delayMs(attempt))
  return row
}

/** Give a lease back: pending, attempt not counted. */
export const releaseRow = (state: MemoryState, p: LeaseProofParams, now: Date): StoreError | MemoryRow => {
  const row = heldRow(state, p)
  if (isStoreError(row)) return row
  return transitionRow(row, { type: "RELEASE" }, now)
}

/** Extend a live lease (or an expired one nobody took over). */
export const renewRow = (
  state: MemoryState,
  p: LeaseProofParams & { readonly leaseSeconds?: number | undefined },
  now: Date
): StoreError | { readonly lease_expires_at: string; readonly renew_after: string } => {
  const row = heldRow(state, p)
  if (isStoreError(row)) return row
  const seconds = p.leaseSeconds ?? row.leaseSeconds ?? 0
  const invalid = checkLeaseSeconds(seconds)
  if (invalid !== null) return invalid
  row.leaseSeconds = seconds
  row.leaseExpiresAt = addMs(now, seconds * 1000)
  row.updatedAt = now
  return { lease_expires_at: iso(row.leaseExpiresAt), renew_after: iso(renewAfter(now, seconds)) }
}

/** The wire code of a per-item failure in batched answers. */
export const itemErrorCode = (e: StoreError): string => STORE_ERROR_CODE[e.reason]
