import type { MemoryRow } from "./MemoryState.ts"

/** SPEC: jobs of one queue sharing a concurrency_key run one at a time unless key_concurrency says more. */
export const DEFAULT_KEY_CONCURRENCY = 1

const slotOf = (row: MemoryRow): string => `${row.queue}\u0000${row.concurrencyKey}`

/**
 * Per-key concurrency in the memory store: of the leasable `candidates` (in lease order), the first
 * `maxJobs` that are keyless or whose key still has room (key_concurrency minus the key's live leases,
 * minus those taken earlier in this same lease). A held job is skipped, not blocked. Live leases are
 * counted over `all` rows (processing, expiry not passed), so an expired one frees its room at once.
 */
export const withinKeyLimits = (
  candidates: ReadonlyArray<MemoryRow>,
  all: Iterable<MemoryRow>,
  limitOf: (queue: string) => number,
  now: Date,
  maxJobs: number
): Array<MemoryRow> => {
  const live = new Map<string, number>()
  for (const r of all) {
    if (r.concurrencyKey !== null && r.status === "processing" && r.leaseExpiresAt !== null && r.leaseExpiresAt.getTime() >= now.getTime()) {
      live.set(slotOf(r), (live.get(slotOf(r)) ?? 0) + 1)
    }
  }
  const taken: Array<MemoryRow> = []
  for (const r of candidates) {
    if (taken.length >= maxJobs) break
    if (r.concurrencyKey !== null) {
      const n = live.get(slotOf(r)) ?? 0
      if (n >= limitOf(r.queue)) continue
      live.set(slotOf(r), n + 1)
    }
    taken.push(r)
  }
  return taken
}
