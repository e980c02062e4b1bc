import type { AckResult } from "@leasehold/contracts"
import { markAckRepeat, type AckItemInput } from "@leasehold/core"
import type { AckFailure, AckRow, ItemOutcome } from "./queries/batches.ts"

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
/** Lease tokens are UUIDs as the store hands them out; anything else can hold no lease (null never matches). */
export const asToken = (token: string): string | null => (UUID.test(token) ? token : null)

/** The wire error of a batched item that did not write. */
export const itemError = (outcome: ItemOutcome, id: number) =>
  outcome === "missing"
    ? { code: "not_found", message: `job ${id} not found` }
    : { code: "lease_lost", message: `job ${id} is not leased with this token` }

/** Ack items as the ack statement takes them. */
export const ackRows = (items: ReadonlyArray<AckItemInput>): Array<AckRow> =>
  items.map((it) => ({
    id: it.jobId,
    token: asToken(it.leaseToken),
    outcome: it.outcome,
    result: it.result === undefined ? null : it.result,
    message: it.error?.message ?? (it.outcome === "failed" ? "failed" : null),
    stack: it.error?.stack ?? null,
    retryable: it.retryable ?? null,
    retryInMs: it.retryInMs ?? null
  }))

/** Per-item results in request order from the statement's failures (every item not listed wrote). */
export const ackResults = (items: ReadonlyArray<AckItemInput>, failures: ReadonlyArray<AckFailure>): Array<AckResult> => {
  const results = items.map((it): AckResult => ({ job_id: it.jobId, ok: true }))
  for (const f of failures) {
    if (f.i === null || f.outcome === null) continue
    const id = Number(f.id)
    results[f.i - 1] = f.outcome === "already" ? markAckRepeat({ job_id: id, ok: true }) : { job_id: id, ok: false, error: itemError(f.outcome, id) }
  }
  return results
}
