import type { PoolStatus, WorkerLogger } from "@leasehold/core"

/** When nothing changes, one progress line per this long (a newcomer's terminal is not a heartbeat monitor). */
export const IDLE_PROGRESS_EVERY_MS = 300_000

/** Decides, tick by tick, whether the worker prints a progress line. */
export interface ProgressLine {
  /** Called every progress interval; prints when the counts or the jobs in flight changed, or rarely when idle. */
  readonly tick: (status: PoolStatus) => void
}

/** Makes the progress line; `now` is injectable so tests drive time. */
export const makeProgressLine = (log: WorkerLogger, now: () => number = Date.now, idleEveryMs = IDLE_PROGRESS_EVERY_MS): ProgressLine => {
  let printedKey = "0|0|0"
  let printedAt = now()
  let lastDone = 0
  let lastAt = now()
  return {
    tick: (s) => {
      const done = s.counts.completed + s.counts.failed
      const at = now()
      const rate = ((done - lastDone) * 1000) / Math.max(1, at - lastAt)
      lastDone = done
      lastAt = at
      const key = `${done}|${s.inFlight}|${s.counts.lost}`
      const idle = key === printedKey
      if (idle && at - printedAt < idleEveryMs) return
      printedKey = key
      printedAt = at
      log.info("progress", {
        done,
        completed: s.counts.completed,
        failed: s.counts.failed,
        rate_per_s: Math.round(rate * 10) / 10,
        in_flight: s.inFlight,
        buffered: s.buffered.length,
        lost: s.counts.lost,
        ...(idle ? { idle: true } : {})
      })
    }
  }
}
