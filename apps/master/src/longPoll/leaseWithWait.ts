import type { LeasedJob } from "@leasehold/contracts"
import type { LeaseParams } from "@leasehold/core"
import { runStore } from "../http/runStore.ts"
import type { MasterConfig } from "../config.ts"
import type { MasterDeps } from "../MasterDeps.ts"

/**
 * Longest sleep between two lease attempts when nothing wakes the waiter (unless the configuration
 * says otherwise: `leaseRepollMs`): bounds the delay for a job that becomes due by time when the
 * store's hint is off (clock skew, a missed notification).
 */
export const MAX_SLEEP_MS = 1000
/** Wake just after a job's due time, not just before it. */
const DUE_MARGIN_MS = 2
/**
 * A job already due that this call could not lease is locked by a concurrent leaser (SKIP LOCKED);
 * re-check shortly rather than spin. Its release or commit sends no notification, hence the timer.
 */
const LOCKED_RETRY_MS = 10

/**
 * Leases now, or holds the call up to `waitMs` until a job is leasable: woken by LISTEN/NOTIFY for
 * enqueues and by the store's next-leasable-at hint for delayed jobs and expiring leases. Answers empty
 * on timeout, on client abort and on shutdown. `first`, when given, replaces the first lease attempt
 * (a lease that applies acks first: they are committed before any wait).
 */
export const leaseWithWait = async (
  deps: Pick<MasterDeps, "store" | "waiters"> & { readonly config?: Pick<MasterConfig, "leaseRepollMs"> },
  params: LeaseParams,
  waitMs: number,
  signal: AbortSignal | undefined,
  first?: () => Promise<ReadonlyArray<LeasedJob>>
): Promise<ReadonlyArray<LeasedJob>> => {
  const { store, waiters } = deps
  const repollMs = deps.config?.leaseRepollMs ?? MAX_SLEEP_MS
  const attempt = () => runStore(store.jobLeaseAcquire(params))
  if (waitMs <= 0 || !signal || waiters.isShuttingDown()) return (first ?? attempt)()
  const deadline = Date.now() + waitMs
  const waiter = waiters.register(params.queues)
  let round = 0
  try {
    for (;;) {
      const jobs = await (round === 0 && first !== undefined ? first() : attempt())
      if (jobs.length > 0 || signal.aborted || waiters.isShuttingDown()) return jobs
      const remaining = deadline - Date.now()
      if (remaining <= 0) return jobs
      // The wait starts now; the due-time hint shortens it when it arrives, so a wake that comes
      // while the hint is still being read is answered without waiting for that round trip.
      const thisRound = ++round
      runStore(store.jobNextLeasableAt({ queues: params.queues, types: params.types })).then(
        (nextAt) => {
          if (round === thisRound && nextAt !== null) waiter.cap(Math.max(LOCKED_RETRY_MS, nextAt.getTime() - Date.now() + DUE_MARGIN_MS))
        },
        () => {}
      )
      await waiter.next(Math.min(remaining, repollMs), signal)
      if (signal.aborted || waiters.isShuttingDown()) return []
    }
  } finally {
    waiter.close()
  }
}
