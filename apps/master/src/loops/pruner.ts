import { runStore } from "../http/runStore.ts"
import type { MasterDeps } from "../MasterDeps.ts"
import { every, type Loop } from "./every.ts"

/**
 * Jobs one prune statement looks at (and at most deletes). Each step holds its row locks and its delete
 * trigger's transition table (work_mem) briefly; measured ~5,000 rows in a few tens of ms (store bench).
 */
const PRUNE_STEP_ROWS = 5_000
/** Pause between steps, so the lease path gets the disk and the WAL between two deletes. */
const PRUNE_PAUSE_MS = 10
/** Whole workflows per statement (each with all its jobs, at most 10,000 per request). */
const PRUNE_WORKFLOWS = 10

const pause = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms))

/**
 * One pass over the finished jobs older than `before`: bounded steps by id until the first step that
 * reaches jobs too young, then whole workflows, pausing between statements; stops early when `stopped`
 * says so. Returns the jobs deleted. (The benchmark measures this pass.)
 */
export const pruneFinishedPass = async (store: MasterDeps["store"], before: Date, stopped: () => boolean): Promise<number> => {
  let total = 0
  let afterId: number | null = 0
  while (afterId !== null && !stopped()) {
    const step: { deleted: number; nextAfterId: number | null; pastCutoff: boolean } = await runStore(
      store.jobPruneFinishedStep({ before, afterId, limit: PRUNE_STEP_ROWS })
    )
    total += step.deleted
    afterId = step.pastCutoff ? null : step.nextAfterId
    if (afterId !== null) await pause(PRUNE_PAUSE_MS)
  }
  for (let n = -1; n !== 0 && !stopped(); ) {
    n = await runStore(store.workflowPruneFinished({ before, limit: PRUNE_WORKFLOWS }))
    total += n
    if (n !== 0) await pause(PRUNE_PAUSE_MS)
  }
  return total
}

/**
 * Deletes finished jobs older than the retention (pruneFinishedPass; nothing when the retention is 0:
 * keep forever), then compacts the counters (folds their slots, drops throughput minutes no read
 * returns), whatever the retention. Stops between steps at shutdown.
 */
export const startPruner = (deps: MasterDeps): Loop => {
  const { retentionMs, pruneIntervalMs } = deps.config
  let stopped = false
  const loop = every(
    pruneIntervalMs,
    async () => {
      if (retentionMs > 0) {
        const before = new Date(Date.now() - retentionMs)
        const total = await pruneFinishedPass(deps.store, before, () => stopped)
        if (total > 0) deps.log.info("pruned finished jobs", { deleted: total, before: before.toISOString() })
      }
      if (!stopped) await runStore(deps.store.countersCompact({}))
    },
    (e) => deps.log.warn("prune failed", { error: String((e as Error)?.message ?? e) })
  )
  return {
    stop: async () => {
      stopped = true
      await loop.stop()
    }
  }
}
