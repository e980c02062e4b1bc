import type { LeasedJob, RenewManyResult } from "@leasehold/contracts"
import { Effect, Exit, Queue } from "effect"
import type { Batcher } from "./Batcher.ts"
import type { WorkerLogger } from "./Handler.ts"
import type { MasterError } from "./MasterError.ts"
import type { RenewItem } from "./Renewer.ts"

/** A tracked lease; `cancel` stops renewing it (the job finished). */
export interface RenewHandle {
  readonly cancel: () => void
  /** Hands the lease to another listener (a buffered job that starts in a slot keeps its renew schedule). */
  readonly moveTo: (listener: RenewListener) => void
}

/** Who hears about a tracked lease: one object per slot, so tracking a job allocates no closures. */
export interface RenewListener {
  readonly onRenewed: (job: LeasedJob, leaseExpiresAt: string) => void
  readonly onLost: (job: LeasedJob) => void
}

/** Keeps every running job's lease renewed from one fiber. */
export interface RenewScheduler {
  /** Renews `job` first after `firstDelayMs`, then every `everyMs`, until cancelled or the lease is lost. */
  readonly track: (job: LeasedJob, firstDelayMs: number, everyMs: number, listener: RenewListener) => RenewHandle
  /** The scheduler's loop; run it in a fiber for the life of the pool. */
  readonly run: Effect.Effect<never>
}

class Entry implements RenewHandle {
  dueAt: number
  inFlight = false
  constructor(
    readonly entries: Set<Entry>,
    readonly job: LeasedJob,
    readonly everyMs: number,
    public listener: RenewListener,
    firstDelayMs: number
  ) {
    this.dueAt = Date.now() + firstDelayMs
  }
  cancel() {
    this.entries.delete(this)
  }
  moveTo(listener: RenewListener) {
    this.listener = listener
  }
}

/** Longest sleep of the loop: a safety net if a wake-up were ever missed. */
const MAX_SLEEP_MS = 60_000

/**
 * One timer for all leases instead of one fiber per job: tracking a job is a Set insert and
 * a comparison, which matters at thousands of jobs per second. Renewals go through the renew
 * batcher; a lease the master says is gone calls `onLost`, other failures retry `everyMs` later.
 */
export const makeRenewScheduler = (options: {
  readonly renewer: Batcher<RenewItem, RenewManyResult, MasterError>
  readonly log: WorkerLogger
}): RenewScheduler => {
  const { renewer, log } = options
  const entries = new Set<Entry>()
  const wake = Effect.runSync(Queue.sliding<void>(1))
  let armedAt = Number.POSITIVE_INFINITY

  const renewed = (entry: Entry) => (exit: Exit.Exit<RenewManyResult, MasterError>) => {
    entry.inFlight = false
    if (!entries.has(entry)) return
    entry.dueAt = Date.now() + entry.everyMs
    if (Exit.isFailure(exit)) {
      log.warn("renew rejected", { job_id: entry.job.id, error: String(exit.cause) })
    } else if (exit.value.ok) {
      if (exit.value.lease_expires_at) entry.listener.onRenewed(entry.job, exit.value.lease_expires_at)
    } else if (exit.value.error?.code === "lease_lost" || exit.value.error?.code === "not_found") {
      entries.delete(entry)
      entry.listener.onLost(entry.job)
      return
    } else {
      log.warn("renew failed", { job_id: entry.job.id, error: exit.value.error?.message })
    }
    if (entry.dueAt < armedAt) Queue.offerUnsafe(wake, undefined)
  }

  const tick = () => {
    const now = Date.now()
    let next = now + MAX_SLEEP_MS
    for (const entry of entries) {
      if (entry.inFlight) continue
      if (entry.dueAt <= now) {
        entry.inFlight = true
        renewer.offer({ job_id: entry.job.id, lease_token: entry.job.lease_token }, renewed(entry))
      } else if (entry.dueAt < next) next = entry.dueAt
    }
    armedAt = next
    return next - now
  }

  return {
    track: (job, firstDelayMs, everyMs, listener) => {
      const entry = new Entry(entries, job, everyMs, listener, firstDelayMs)
      entries.add(entry)
      if (entry.dueAt < armedAt) Queue.offerUnsafe(wake, undefined)
      return entry
    },
    run: Effect.forever(
      Effect.suspend(() => Effect.raceFirst(Effect.sleep(tick()), Queue.take(wake)))
    )
  }
}
