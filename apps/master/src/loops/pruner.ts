import { runStore } from "../http/runStore.ts"
import type { MasterDeps } from "../MasterDeps.ts"
import { every, type Loop } from "./every.ts"

/** Rows deleted per statement; the loop repeats until a short batch. */
const PRUNE_LIMIT = 10_000

/** Deletes finished jobs older than the retention; a no-op when the retention is 0 (keep forever). */
export const startPruner = (deps: MasterDeps): Loop | undefined => {
  const { retentionMs, pruneIntervalMs } = deps.config
  if (retentionMs <= 0) return undefined
  return every(
    pruneIntervalMs,
    async () => {
      const before = new Date(Date.now() - retentionMs)
      let total = 0
      for (;;) {
        const n = await runStore(deps.store.jobPruneFinished({ before, limit: PRUNE_LIMIT }))
        total += n
        if (n < PRUNE_LIMIT) break
      }
      if (total > 0) deps.log.info("pruned finished jobs", { deleted: total, before: before.toISOString() })
    },
    (e) => deps.log.warn("prune failed", { error: String((e as Error)?.message ?? e) })
  )
}
