import type { JobStoreShape } from "@leasehold/core"
import type { Logger } from "../http/Logger.ts"
import { runStore } from "../http/runStore.ts"

/** Records worker calls in the store, at most once per DEBOUNCE_MS per worker per master. */
export interface WorkerRegistry {
  readonly touch: (workerId: string) => void
  /** Waits for touches already sent (shutdown, tests). */
  readonly flush: () => Promise<void>
}

/** A second is far below the 60 s "active" window, yet keeps the write off the hot path. */
const DEBOUNCE_MS = 1000
/** Forget workers not seen for this long, so the map stays small. */
const FORGET_MS = 60_000

/** Debounced worker registry: the write runs in the background and never delays the caller. */
export const makeWorkerRegistry = (store: JobStoreShape, log: Logger): WorkerRegistry => {
  const last = new Map<string, number>()
  const pending = new Set<Promise<void>>()
  let lastCleanup = Date.now()
  return {
    touch: (workerId) => {
      const now = Date.now()
      const seen = last.get(workerId)
      if (seen !== undefined && now - seen < DEBOUNCE_MS) return
      last.set(workerId, now)
      if (now - lastCleanup > FORGET_MS) {
        lastCleanup = now
        for (const [w, t] of last) if (now - t > FORGET_MS) last.delete(w)
      }
      const p: Promise<void> = runStore(store.workerTouch({ workerId }))
        .catch((e: unknown) => {
          last.delete(workerId)
          log.debug("worker touch failed", { worker_id: workerId, error: String((e as Error)?.message ?? e) })
        })
        .finally(() => pending.delete(p))
      pending.add(p)
    },
    flush: async () => {
      await Promise.all([...pending])
    }
  }
}
