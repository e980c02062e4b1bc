import type { LeasedJob } from "@leasehold/contracts"
import type { renewDelayMs } from "./Renewer.ts"
import type { RenewHandle, RenewListener, RenewScheduler } from "./RenewScheduler.ts"
import { waitedTooLong } from "./Prefetch.ts"

/** A lease's renew timing, computed once per lease answer (see `renewDelayMs`). */
export type LeaseMeta = ReturnType<typeof renewDelayMs>

/** A leased job waiting in the buffer for a free slot. */
export interface Buffered {
  readonly job: LeasedJob
  readonly meta: LeaseMeta
  /** When it entered the buffer (ms, this process's clock). */
  readonly bufferedAt: number
  /** Current expiry: moves forward on every renew. */
  expiresAt: string
  /** Its renewal, handed to the slot that starts it. */
  readonly renewal: RenewHandle
}

/** What `status()` shows of one buffered job. */
export interface BufferedStatus {
  readonly jobId: number
  readonly leaseExpiresAt: string
  readonly waitedMs: number
}

/**
 * The pool's local buffer of prefetched jobs (SPEC "Prefetch"): leased, renewed like running jobs
 * (same RenewScheduler, so the same renew batches), started first-in first-out as slots free up.
 * A job that waited more than half its lease is released unstarted instead (a sweep timer catches it
 * even while every slot stays busy); a lost lease drops it. The slots stay the owners of running
 * jobs: a job leaves the buffer before its slot starts it.
 */
export class PrefetchBuffer {
  private readonly jobs = new Map<number, Buffered>()
  private timer: ReturnType<typeof setTimeout> | null = null
  private timerAt = Number.POSITIVE_INFINITY
  private readonly listener: RenewListener

  constructor(
    private readonly options: {
      readonly renewals: RenewScheduler
      /** Gives a job back to the master (no attempt burned); `meta` is its lease timing, to buffer it again if that fails. */
      readonly release: (job: LeasedJob, why: "stale" | "surplus" | "shutdown", meta: LeaseMeta) => void
      /** The master said the lease is gone (renew answered lease_lost / not_found). */
      readonly onLost: (job: LeasedJob) => void
    }
  ) {
    this.listener = {
      onRenewed: (job, expiresAt) => {
        const entry = this.jobs.get(job.id)
        if (entry && entry.job === job) entry.expiresAt = expiresAt
      },
      onLost: (job) => {
        const entry = this.jobs.get(job.id)
        if (!entry || entry.job !== job) return
        this.jobs.delete(job.id)
        this.options.onLost(job)
      }
    }
  }

  get size(): number {
    return this.jobs.size
  }

  /** Buffers a job and starts renewing it. */
  add(job: LeasedJob, meta: LeaseMeta, now = Date.now()): void {
    const renewal = this.options.renewals.track(job, meta.delayMs, Math.max(1, Math.floor(meta.fraction * meta.durationMs)), this.listener)
    this.jobs.set(job.id, { job, meta, bufferedAt: now, expiresAt: job.lease_expires_at, renewal })
    this.arm(now + meta.durationMs / 2 + 1)
  }

  /** The oldest job still fresh enough to start (stale ones met on the way are released), or null. */
  take(now = Date.now()): Buffered | null {
    for (const entry of this.jobs.values()) {
      this.jobs.delete(entry.job.id)
      if (!waitedTooLong(now - entry.bufferedAt, entry.meta.durationMs)) return entry
      this.giveBack(entry, "stale")
    }
    return null
  }

  /** Releases the newest jobs beyond `keep` (a short lease answer: the master has no more to spare). */
  trimTo(keep: number): number {
    const surplus = [...this.jobs.values()].slice(Math.max(0, keep))
    for (const entry of surplus) {
      this.jobs.delete(entry.job.id)
      this.giveBack(entry, "surplus")
    }
    return surplus.length
  }

  /** Releases every buffered job (shutdown). */
  releaseAll(): number {
    const all = [...this.jobs.values()]
    this.jobs.clear()
    for (const entry of all) this.giveBack(entry, "shutdown")
    this.disarm()
    return all.length
  }

  /** Releases the jobs that waited more than half their lease. */
  sweep(now = Date.now()): void {
    let next = Number.POSITIVE_INFINITY
    for (const entry of [...this.jobs.values()]) {
      if (waitedTooLong(now - entry.bufferedAt, entry.meta.durationMs)) {
        this.jobs.delete(entry.job.id)
        this.giveBack(entry, "stale")
      } else next = Math.min(next, entry.bufferedAt + entry.meta.durationMs / 2 + 1)
    }
    this.disarm()
    if (next !== Number.POSITIVE_INFINITY) this.arm(next)
  }

  status(now = Date.now()): Array<BufferedStatus> {
    return [...this.jobs.values()].map((e) => ({ jobId: e.job.id, leaseExpiresAt: e.expiresAt, waitedMs: Math.max(0, now - e.bufferedAt) }))
  }

  private giveBack(entry: Buffered, why: "stale" | "surplus" | "shutdown") {
    entry.renewal.cancel()
    this.options.release(entry.job, why, entry.meta)
  }

  private arm(at: number) {
    if (at >= this.timerAt) return
    this.disarm()
    this.timerAt = at
    this.timer = setTimeout(() => {
      this.timer = null
      this.timerAt = Number.POSITIVE_INFINITY
      this.sweep()
    }, Math.max(0, at - Date.now()))
    this.timer.unref?.()
  }

  private disarm() {
    if (this.timer !== null) clearTimeout(this.timer)
    this.timer = null
    this.timerAt = Number.POSITIVE_INFINITY
  }
}
