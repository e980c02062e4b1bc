import type { JobCounts, ThroughputMinute } from "@leasehold/contracts"
import { finishedAt, idempotencyIndexKey, isTerminal, iso, type MemoryRow, type MemoryState } from "./MemoryState.ts"

const MINUTE_MS = 60_000
/** Jobs created this long after the prune cutoff end a pruner's walk (ids follow creation time, give or take a transaction). */
const PRUNE_CUTOFF_MARGIN_MS = 3_600_000

/** Zero counts of every status. */
export const emptyCounts = (): { -readonly [K in keyof JobCounts]: JobCounts[K] } => ({
  blocked: 0,
  pending: 0,
  processing: 0,
  retrying: 0,
  completed: 0,
  failed: 0,
  cancelled: 0
})

/** Per-queue counts by status of the rows (one queue when given). */
export const countRows = (rows: Iterable<MemoryRow>, queue?: string): Record<string, JobCounts> => {
  const out: Record<string, ReturnType<typeof emptyCounts>> = {}
  for (const r of rows) {
    if (queue !== undefined && r.queue !== queue) continue
    ;(out[r.queue] ??= emptyCounts())[r.status]++
  }
  return out
}

/** Completed and failed rows per minute of their last update, the last `minutes` minutes up to now's minute. */
export const throughputOf = (rows: Iterable<MemoryRow>, minutes: number, now: Date, queue?: string): ThroughputMinute[] => {
  const current = Math.floor(now.getTime() / MINUTE_MS) * MINUTE_MS
  const first = current - (minutes - 1) * MINUTE_MS
  const buckets = Array.from({ length: minutes }, (_, i) => ({ at: first + i * MINUTE_MS, completed: 0, failed: 0 }))
  for (const r of rows) {
    if ((r.status !== "completed" && r.status !== "failed") || (queue !== undefined && r.queue !== queue)) continue
    const at = Math.floor(r.updatedAt.getTime() / MINUTE_MS) * MINUTE_MS
    const b = buckets[(at - first) / MINUTE_MS]
    if (b !== undefined) b[r.status]++
  }
  return buckets.map((b) => ({ at: iso(new Date(b.at)), completed: b.completed, failed: b.failed }))
}

/** One bounded prune step: the next `limit` rows by id after `afterId`, deleting those finished before `before`. */
export const pruneStep = (state: MemoryState, before: Date, afterId: number, limit: number) => {
  const window = [...state.rows.values()].filter((r) => r.id > afterId).sort((a, b) => a.id - b.id).slice(0, limit)
  let deleted = 0
  for (const r of window) {
    if (r.workflow !== null || !isTerminal(r.status) || finishedAt(r) >= before.getTime()) continue // workflows go whole
    state.rows.delete(r.id)
    if (r.idempotencyKey !== null) state.idempotency.delete(idempotencyIndexKey(r.queue, r.idempotencyKey))
    deleted++
  }
  const last = window[window.length - 1]
  const pastCutoff = last !== undefined && last.createdAt.getTime() >= before.getTime() + PRUNE_CUTOFF_MARGIN_MS
  return { deleted, nextAfterId: window.length < limit || last === undefined ? null : last.id, pastCutoff }
}
