import { Effect } from "effect"
import type { BulkResult } from "@leasehold/contracts"
import type { BulkMatchingParams, JobStoreShape } from "@leasehold/core"
import { run } from "./run.ts"
import { BULK_CHUNK, BULK_FROM, bulkByIds, bulkChunk, bulkCount, type BulkEvent, type BulkIdRow, type BulkSelection } from "./queries/bulk.ts"
import type { StoreSettings } from "./makeJobOps.ts"

const WHAT: Record<BulkEvent, string> = { cancel: "cancel", retry: "retry" }

/** One id's wire result from its row. */
const toResult = (event: BulkEvent, id: number, row: BulkIdRow | undefined): BulkResult => {
  if (row === undefined || row.outcome === "missing") return { job_id: id, ok: false, error: { code: "not_found", message: `job ${id} not found` } }
  if (row.outcome === "illegal")
    return { job_id: id, ok: false, error: { code: "invalid_transition", message: `cannot ${WHAT[event]} job ${id} in status ${row.status}` } }
  return { job_id: id, ok: true }
}

/** The filter with the transition's start statuses intersected with its `status` (empty: nothing can change). */
const selection = (event: BulkEvent, p: BulkMatchingParams): BulkSelection => ({
  from: p.filter.status === undefined ? BULK_FROM[event] : BULK_FROM[event].filter((s) => s === p.filter.status),
  queue: p.filter.queue ?? null,
  type: p.filter.type ?? null
})

/** Bulk retry and cancel: by ids in one set-based statement, by filter one statement per chunk of ids. */
export const makeBulkOps = (s: StoreSettings) => {
  const { sql } = s
  const byIds = (event: BulkEvent) => (p: { readonly ids: ReadonlyArray<number>; readonly now?: Date | undefined }) =>
    Effect.map(
      run(() => bulkByIds(sql, event, p.ids, p.now ?? null)),
      (rows) => {
        const byId = new Map(rows.map((r) => [r.id, r]))
        return p.ids.map((id) => toResult(event, id, byId.get(id)))
      }
    )
  const matching = (event: BulkEvent) => (p: BulkMatchingParams) =>
    Effect.gen(function* () {
      const sel = selection(event, p)
      if (sel.from.length === 0) return 0
      if (p.dryRun === true) return (yield* run(() => bulkCount(sql, sel)))[0]?.n ?? 0
      let after = 0
      let changed = 0
      for (;;) {
        const [chunk] = yield* run(() => bulkChunk(sql, event, sel, after, p.now ?? null))
        changed += chunk?.changed ?? 0
        if (chunk === undefined || chunk.seen < BULK_CHUNK || chunk.last === null) return changed
        after = chunk.last
      }
    })
  const ops: Pick<JobStoreShape, "jobRetryMany" | "jobCancelMany" | "jobRetryMatching" | "jobCancelMatching"> = {
    jobRetryMany: byIds("retry"),
    jobCancelMany: byIds("cancel"),
    jobRetryMatching: matching("retry"),
    jobCancelMatching: matching("cancel")
  }
  return ops
}
