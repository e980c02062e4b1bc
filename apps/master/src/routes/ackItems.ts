import type { AckItem, AckResult } from "@leasehold/contracts"
import { isAckRepeat, type AckItemInput } from "@leasehold/core"
import { badRequest } from "../http/HttpError.ts"
import { orUndef } from "../http/validate.ts"
import type { MasterDeps } from "../MasterDeps.ts"

/**
 * Decoded ack items as the store takes them; a failed outcome without an error makes the whole request
 * malformed (400 naming `<field>[index]`), before anything is applied.
 */
export const toAckItems = (items: ReadonlyArray<AckItem>, field: string): Array<AckItemInput> =>
  items.map((it, index) => {
    if (it.outcome === "failed" && it.error == null) throw badRequest(`${field}[${index}]: error is required when outcome is failed`, { index })
    return {
      jobId: it.job_id,
      leaseToken: it.lease_token,
      outcome: it.outcome,
      result: it.result ?? null,
      error: it.error == null ? undefined : { message: it.error.message, stack: orUndef(it.error.stack) },
      retryable: orUndef(it.retryable),
      retryInMs: orUndef(it.retry_in_ms)
    }
  })

/**
 * Counts the transitions acks made, by queue, one counter call per run of jobs of one queue (not per job).
 * Rejected items and idempotent repeats changed nothing and count nothing.
 */
export const countAcked = (metrics: MasterDeps["metrics"], results: ReadonlyArray<AckResult>, items: ReadonlyArray<AckItemInput>) => {
  let queue = ""
  let completed = 0
  let failed = 0
  const flush = () => {
    if (completed > 0) metrics.completed.inc({ queue }, completed)
    if (failed > 0) metrics.failed.inc({ queue }, failed)
    completed = 0
    failed = 0
  }
  for (let i = 0; i < results.length; i++) {
    const r = results[i]!
    if (!r.ok || isAckRepeat(r)) continue
    const q = metrics.queueOf(r.job_id)
    if (q !== queue) {
      flush()
      queue = q
    }
    if (items[i]?.outcome === "completed") completed++
    else failed++
  }
  flush()
}
