import type postgres from "postgres"
import { Effect } from "effect"
import type { JobStoreShape } from "@leasehold/core"
import { fireEnqueuePending, firePruneEnqueued, scheduleFireDue, type FireRow, type ScheduleRow } from "@leasehold/store-postgres/schedules"
import { planFires } from "./planFires.ts"
import type { Logger } from "../http/Logger.ts"

/** Due schedules claimed per transaction: keeps each transaction short while several masters share the work. */
const CLAIM_BATCH = 100
/** Ledger rows enqueued per transaction (one multi-row enqueue each). */
const ENQUEUE_BATCH = 500
/**
 * Ledger rows are kept this long after their tick (like finished jobs by default), then pruned:
 * long enough that no clock skew or PATCH can bring those ticks back.
 */
export const LEDGER_RETENTION_MS = 7 * 86_400_000
/** Rows deleted per statement, and statements per pruning round: short transactions, bounded work. */
const PRUNE_BATCH = 1000
const PRUNE_ROUNDS = 20
/** Pruning is housekeeping: once a minute is plenty. */
const PRUNE_EVERY_MS = 60_000
/**
 * How long `stop()` waits for a running pass. A pass normally takes milliseconds; one stuck on a
 * wedged connection must not hold up the master's shutdown.
 */
export const STOP_WAIT_MS = 5000
/** A pass running this long is reported: the pool it uses is probably stuck. */
const STUCK_PASS_MS = 60_000
/** One pass per second: cron's finest resolution. */
export const DEFAULT_TICK_INTERVAL_MS = 1000

export interface SchedulerDeps {
  readonly sql: postgres.Sql
  readonly store: JobStoreShape
  readonly log: Logger
  readonly now: () => Date
  readonly tickIntervalMs: number
  /** Bound on `stop()` waiting for a running pass (default STOP_WAIT_MS). */
  readonly stopWaitMs?: number
}

/** What one pass did. */
export interface PassOutcome {
  readonly fired: number
  readonly enqueued: number
}

/** The scheduler loop: fires due ticks into the ledger, then turns ledger rows into jobs. */
export interface Scheduler {
  /** One pass at `deps.now()`; safe to run concurrently from any number of masters. */
  readonly runOnce: () => Promise<PassOutcome>
  readonly start: () => void
  readonly stop: () => Promise<void>
}

/** Builds the scheduler loop over the schedules store and the job store. */
export const makeScheduler = (deps: SchedulerDeps): Scheduler => {
  const plan = (now: Date) => (row: ScheduleRow) => {
    try {
      return planFires(row, now)
    } catch (cause) {
      deps.log.error("schedule cannot be planned; it stays idle until updated", { schedule: row.name, cause: String(cause) })
      return { fires: [], nextRunAt: null }
    }
  }

  const enqueue = (now: Date) => async (fires: ReadonlyArray<FireRow>) => {
    const outcomes = await Effect.runPromise(
      deps.store.jobEnqueueMany({
        now,
        jobs: fires.map((f) => ({
          type: f.type,
          queue: f.queue,
          payload: f.payload ?? null,
          maxAttempts: f.max_attempts,
          idempotencyKey: f.idempotency_key
        }))
      })
    )
    return outcomes.map((o) => o.job.id)
  }

  let lastPrune = Number.NEGATIVE_INFINITY
  const runOnce = async (): Promise<PassOutcome> => {
    const now = deps.now()
    let fired = 0
    for (;;) {
      const pass = await scheduleFireDue(deps.sql, { now, limit: CLAIM_BATCH, plan: plan(now) })
      fired += pass.fired
      if (pass.claimed < CLAIM_BATCH) break
    }
    let enqueued = 0
    for (;;) {
      const count = await fireEnqueuePending(deps.sql, { now, limit: ENQUEUE_BATCH, enqueue: enqueue(now) })
      enqueued += count
      if (count < ENQUEUE_BATCH) break
    }
    if (now.getTime() - lastPrune >= PRUNE_EVERY_MS) {
      lastPrune = now.getTime()
      const before = new Date(now.getTime() - LEDGER_RETENTION_MS)
      for (let round = 0; round < PRUNE_ROUNDS; round++) {
        if ((await firePruneEnqueued(deps.sql, { before, limit: PRUNE_BATCH })) < PRUNE_BATCH) break
      }
    }
    return { fired, enqueued }
  }

  let timer: NodeJS.Timeout | undefined
  let running: Promise<void> | undefined
  let stopped = true

  let failing = false
  const loop = () => {
    const watchdog = setTimeout(() => deps.log.error("a scheduler pass has run for 60 s; its database pool may be stuck"), STUCK_PASS_MS)
    watchdog.unref()
    running = runOnce()
      .then(
        (outcome) => {
          if (failing) deps.log.info("scheduler passes succeed again")
          failing = false
          if (outcome.fired > 0) deps.log.info("schedules fired", { ...outcome })
        },
        (cause) => {
          if (!failing) deps.log.warn("scheduler pass failed; retrying every tick", { cause: String(cause) })
          failing = true
        }
      )
      .finally(() => {
        clearTimeout(watchdog)
        running = undefined
        if (!stopped) timer = setTimeout(loop, deps.tickIntervalMs)
      })
  }

  return {
    runOnce,
    start: () => {
      if (!stopped) return
      stopped = false
      timer = setTimeout(loop, 0)
    },
    stop: async () => {
      stopped = true
      if (timer !== undefined) clearTimeout(timer)
      timer = undefined
      if (running === undefined) return
      let bound: NodeJS.Timeout | undefined
      const gaveUp = await Promise.race([
        running.then(() => false),
        new Promise<boolean>((resolve) => (bound = setTimeout(() => resolve(true), deps.stopWaitMs ?? STOP_WAIT_MS)))
      ])
      clearTimeout(bound)
      if (gaveUp) deps.log.warn("scheduler stopped while a pass was still running")
    }
  }
}
