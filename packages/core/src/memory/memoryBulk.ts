import type { BulkResult } from "@leasehold/contracts"
import { STORE_ERROR_CODE, type StoreError } from "../errors.ts"
import type { BulkMatchingParams } from "../JobStore.ts"
import { findRow, isStoreError, transitionRow, type MemoryRow, type MemoryState } from "./MemoryState.ts"
import { memoryTransition } from "./memoryTransition.ts"

/** The admin events a bulk operation applies. */
export type BulkEvent = "CANCEL" | "RETRY"

/** Applies one admin event to one job (retry also makes it due now), or fails with NotFound / InvalidTransition. */
export const applyAdminEvent = (state: MemoryState, id: number, event: BulkEvent, now: Date): StoreError | MemoryRow => {
  const row = findRow(state, id)
  if (isStoreError(row)) return row
  const next = transitionRow(row, { type: event }, now)
  if (isStoreError(next)) return next
  if (event === "RETRY") next.runAt = now
  return next
}

/** Bulk by ids: each distinct id acted on once, results in request order (a repeated id repeats its result). */
export const bulkByIds = (state: MemoryState, ids: ReadonlyArray<number>, event: BulkEvent, now: Date): ReadonlyArray<BulkResult> => {
  const done = new Map<number, BulkResult>()
  return ids.map((id) => {
    const known = done.get(id)
    if (known !== undefined) return known
    const out = applyAdminEvent(state, id, event, now)
    const result: BulkResult = isStoreError(out)
      ? { job_id: id, ok: false, error: { code: STORE_ERROR_CODE[out.reason], message: out.message } }
      : { job_id: id, ok: true }
    done.set(id, result)
    return result
  })
}

/** Bulk by filter: every matching job the machine lets the event move; answers how many moved (or would). */
export const bulkMatching = (state: MemoryState, p: BulkMatchingParams, event: BulkEvent, now: Date): number => {
  const { queue, status, type } = p.filter
  const targets = [...state.rows.values()].filter(
    (r) =>
      (queue === undefined || r.queue === queue) &&
      (status === undefined || r.status === status) &&
      (type === undefined || r.type === type) &&
      memoryTransition(r.status, r.attempts, r.maxAttempts, { type: event }) !== null
  )
  if (p.dryRun !== true) for (const r of targets) applyAdminEvent(state, r.id, event, now)
  return targets.length
}
