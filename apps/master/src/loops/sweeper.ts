import { runStore } from "../http/runStore.ts"
import type { MasterDeps } from "../MasterDeps.ts"
import { every, type Loop } from "./every.ts"

/** Rows recovered per statement, so one sweep never holds locks on a huge set. */
const SWEEP_LIMIT = 1000

/**
 * Recovers expired leases every sweep interval. Safe with several masters: the store's recovery is a
 * conditional update of rows still expired, so a job completed by its holder is never rewritten.
 */
export const startSweeper = (deps: MasterDeps): Loop =>
  every(
    deps.config.sweepIntervalMs,
    async () => {
      for (;;) {
        const out = await runStore(deps.store.jobRescueExpired({ limit: SWEEP_LIMIT }))
        if (out.retried > 0) deps.metrics.expired.inc({ outcome: "retried" }, out.retried)
        if (out.failed > 0) deps.metrics.expired.inc({ outcome: "failed" }, out.failed)
        if (out.retried + out.failed > 0) deps.log.info("recovered expired leases", { ...out })
        if (out.retried + out.failed < SWEEP_LIMIT) return
      }
    },
    (e) => deps.log.warn("sweep failed", { error: String((e as Error)?.message ?? e) })
  )
