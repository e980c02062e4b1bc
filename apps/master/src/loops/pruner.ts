import { DEFAULT_PRUNE_DUTY_PERCENT } from "../config.ts"
import { runStore } from "../http/runStore.ts"
import type { MasterDeps } from "../MasterDeps.ts"
import { every, type Loop } from "./every.ts"

/**
 * Jobs one prune statement looks at (and at most deletes). Each step holds its row locks and its delete
 * trigger's transition table (work_mem) briefly. 1,000 rather than 5,000: the same rows per second at a
 * given duty cycle (`pnpm bench:scale`, 1 M rows, duty 25: 19,026-19,148 vs 16,952-20,385 rows/s), in
 * shorter bursts that the lease path waits behind (README "Large tables").
 */
export const PRUNE_STEP_ROWS = 1_000
/** Shortest pause between steps, so the lease path gets the disk and the WAL between two deletes. */
const PRUNE_PAUSE_MS = 10
/** Whole workflows per statement (each with all its jobs, at most 10,000 per request). */
const PRUNE_WORKFLOWS = 10

const pause = (ms: number) => new Promise<void>((ok) => setTimeout(ok, ms))

/**
 * `dutyPercent` (`--prune-duty-percent`): after a step that took `t` ms the pass pauses
 * `t x (100 - duty) / duty` ms (at least PRUNE_PAUSE_MS), so on a busy server it takes at most that share
 * of one backend's time, whatever a step costs.
 *
 * One pass over the finished jobs older than `before`: bounded steps by id until the first step that
 * reaches jobs too young, then whole workflows, pausing between statements; stops early when `stopped`
 * says so. Returns the jobs deleted. (The benchmark measures this pass.)
 */
export const pruneFinishedPass = async (
  store: MasterDeps["store"],
  before: Date,
  stopped: () => boolean,
  dutyPercent = DEFAULT_PRUNE_DUTY_PERCENT,
  stepRows = PRUNE_STEP_ROWS
): Promise<number> => {
  const rest = (stepMs: number) => pause(Math.max(PRUNE_PAUSE_MS, (stepMs * (100 - dutyPercent)) / dutyPercent))
  let total = 0
  let afterId: number | null = 0
  while (afterId !== null && !stopped()) {
    const started = performance.now()
    const step: { deleted: number; nextAfterId: number | null; pastCutoff: boolean } = await runStore(
      store.jobPruneFinishedStep({ before, afterId, limit: stepRows })
    )
    total += step.deleted
    afterId = step.pastCutoff ? null : step.nextAfterId
    if (afterId !== null) await rest(performance.now() - started)
  }
  for (let n = -1; n !== 0 && !stopped(); ) {
    const started = performance.now()
    n = await runStore(store.workflowPruneFinished({ before, limit: PRUNE_WORKFLOWS }))
    total += n
    if (n !== 0) await rest(performance.now() - started)
  }
  return total
}

/**
 * A pass that outlasts the interval between passes: in a steady state that means jobs finish at more
 * than half the rate the pruner deletes at its duty (a pass of P ms after an interval of I deletes what
 * finished in I + P, so P > I exactly when the completion rate exceeds half its rate), the last margin
 * before the table grows without bound. Once after downtime it is a catch-up; repeated, it asks for a
 * higher duty.
 */
const warnBehind = (deps: MasterDeps, deleted: number, ms: number) =>
  deps.log.warn("pruner pass outlasted its interval", {
    deleted,
    ms: Math.round(ms),
    rows_per_second: Math.round(deleted / (ms / 1000)),
    interval_ms: deps.config.pruneIntervalMs,
    duty_percent: deps.config.pruneDutyPercent,
    remedy:
      "jobs finish at more than half the rate the pruner deletes at its duty; if this repeats, raise --prune-duty-percent (LEASEHOLD_PRUNE_DUTY_PERCENT) so the table does not grow"
  })

/**
 * Deletes finished jobs older than the retention (pruneFinishedPass; nothing when the retention is 0:
 * keep forever), then compacts the counters (folds their slots, drops throughput minutes no read
 * returns), whatever the retention. Stops between steps at shutdown.
 */
export const startPruner = (deps: MasterDeps): Loop => {
  const { retentionMs, pruneIntervalMs, pruneDutyPercent } = deps.config
  let stopped = false
  const loop = every(
    pruneIntervalMs,
    async () => {
      if (retentionMs > 0) {
        const before = new Date(Date.now() - retentionMs)
        const started = performance.now()
        const total = await pruneFinishedPass(deps.store, before, () => stopped, pruneDutyPercent)
        const ms = performance.now() - started
        if (total > 0) deps.log.info("pruned finished jobs", { deleted: total, before: before.toISOString(), ms: Math.round(ms) })
        if (!stopped && ms > pruneIntervalMs) warnBehind(deps, total, ms)
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
