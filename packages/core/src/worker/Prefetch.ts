/**
 * Prefetch sizing (SPEC "Prefetch"): how many leased-but-unstarted jobs a pool keeps beside its slots.
 * Pure functions and a small estimator; the pool (WorkerPool.ts, PrefetchBuffer.ts) holds the jobs.
 *
 * The rule that keeps prefetch honest towards other workers and towards queue limits ("buffer only
 * out of plenty"): a lease answer that came back shorter than asked means the master had nothing
 * more for this worker — the backlog ran dry, or a queue limit (max_concurrency, rate limit, key
 * concurrency, pause) held it back, and another worker may be idle. Until an answer comes back full
 * again the pool keeps only what its slots drain within one lease round trip (`drainTarget`), and
 * releases the rest at once, unstarted. Prefetched jobs hold leases, so they count against a
 * queue's limits; under this rule a limited queue's room is not hoarded in a buffer behind busy
 * slots for longer than one round trip.
 */

/** `--prefetch`: `"auto"` sizes the buffer from measurements; a number fixes it (0 = lease only for free slots). */
export type PrefetchSetting = "auto" | number

/** The lease maximum (`max_jobs` 1..1000): no buffer, and no lease call, asks for more. */
export const MAX_PREFETCH = 1000

/** Parses `auto`, `0` or `N` (0..1000); null for anything else. */
export const parsePrefetch = (raw: string): PrefetchSetting | null => {
  const value = raw.trim()
  if (value === "auto") return "auto"
  if (!/^\d+$/.test(value)) return null
  const n = Number(value)
  return n <= MAX_PREFETCH ? n : null
}

/** What the pool has measured: both unknown (NaN) until their first samples. */
export interface PrefetchEstimates {
  /** Slots of the pool. */
  readonly slots: number
  /** Recent lease round trip (ms), measured on calls that did not long-poll. */
  readonly rttMs: number
  /** Recent handler run time (ms). */
  readonly jobMs: number
  /** Lease duration (ms): a buffered job must start within half of it, else it is released unstarted. */
  readonly leaseMs?: number | undefined
}

/**
 * The buffer that keeps `slots` busy across one lease round trip at the current job rate:
 * slots × rtt ÷ job time, at most `MAX_PREFETCH`, and at most what the slots start within half a
 * lease. Jobs that run longer than a round trip get none (a worker never hoards work that an idle
 * worker could run), and so does a pool that has not measured both yet.
 */
export const drainTarget = (e: PrefetchEstimates): number => {
  if (!(e.rttMs > 0) || !(e.jobMs >= 0) || !(e.slots > 0)) return 0
  if (e.jobMs > e.rttMs) return 0
  // A job time of 0 divides to Infinity: the caps below bound it.
  const byRate = Math.ceil((e.slots * e.rttMs) / e.jobMs)
  const byLease = e.leaseMs === undefined ? MAX_PREFETCH : Math.floor((e.slots * e.leaseMs) / 2 / e.jobMs)
  return Math.min(byRate, byLease, MAX_PREFETCH)
}

/**
 * The buffer to aim for. `auto`: `drainTarget`. `N`: N, or after a short answer (`scarce`) no more
 * than `drainTarget` (see the module comment). `0`: none.
 */
export const bufferTarget = (setting: PrefetchSetting, scarce: boolean, e: PrefetchEstimates): number => {
  if (setting === "auto") return drainTarget(e)
  const fixed = Math.min(Math.max(0, Math.floor(setting)), MAX_PREFETCH)
  return scarce ? Math.min(fixed, drainTarget(e)) : fixed
}

/**
 * `max_jobs` of the next lease call: the free slots it is for, plus what the buffer lacks (less what
 * calls already in flight asked for it), at most `MAX_PREFETCH`. While scarce with a fixed N above
 * what the slots drain, a call for free slots asks one more: a full answer then shows the master has
 * plenty again, and a short one costs nothing (every job it brings has a free slot).
 */
export const leaseSize = (p: {
  readonly freeSlots: number
  readonly buffered: number
  readonly askedInFlight: number
  readonly target: number
  readonly probe: boolean
}): number => {
  const deficit = Math.max(0, p.target - p.buffered - p.askedInFlight)
  const probe = p.probe && p.freeSlots > 0 && deficit === 0 ? 1 : 0
  return Math.min(p.freeSlots + deficit + probe, MAX_PREFETCH)
}

/** Whether a scarce pool should add the probe to its calls: only a fixed N above the drain target gains by leaving scarcity. */
export const wantsProbe = (setting: PrefetchSetting, scarce: boolean, e: PrefetchEstimates): boolean =>
  scarce && bufferTarget(setting, false, e) > bufferTarget(setting, true, e)

/** A lease answer is full when it brought every job asked for: the master may have more. */
export const isFull = (asked: number, got: number): boolean => got >= asked

/**
 * A lease round-trip sample, or null when the call may have long-polled (it asked to wait and came
 * back short): only calls answered at once measure the round trip.
 */
export const rttSample = (p: { readonly waitMs: number; readonly asked: number; readonly got: number; readonly ms: number }): number | null =>
  p.waitMs === 0 || isFull(p.asked, p.got) ? p.ms : null

/** A buffered job that waited longer than half its lease is released unstarted instead of started. */
export const waitedTooLong = (waitedMs: number, leaseMs: number): boolean => waitedMs > leaseMs / 2

/**
 * The median of the last `size` samples: robust to the odd stalled round trip or slow job that an
 * average would smear over the next several leases. NaN until `minSamples` samples came in (a pool's
 * first lease call opens a connection and meets a cold master: alone it would size the buffer).
 */
export class RecentMedian {
  private readonly samples: Array<number> = []
  private next = 0
  private cached = Number.NaN
  /** The sorted median is cached between samples (a lease call reads it; mutants of the cache are equivalent). */
  private dirty = false
  constructor(
    private readonly size: number,
    private readonly minSamples = 1
  ) {}
  add(sample: number): void {
    if (!Number.isFinite(sample) || sample < 0) return
    this.samples[this.next] = sample
    this.next = (this.next + 1) % this.size
    this.dirty = true
  }
  get value(): number {
    if (this.samples.length < this.minSamples) return Number.NaN
    if (this.dirty) {
      const sorted = [...this.samples].sort((a, b) => a - b)
      const mid = sorted.length >> 1
      this.cached = sorted.length % 2 === 1 ? sorted[mid]! : (sorted[mid - 1]! + sorted[mid]!) / 2
      this.dirty = false
    }
    return this.cached
  }
}

/** Round trips remembered: 16 calls span a few hundred ms under load, enough to ride out one stall. */
export const RTT_WINDOW = 16
/** Samples needed before a median is trusted: with 3, one cold first call cannot be the median. */
export const MIN_SAMPLES = 3
/** Job times remembered: 64 runs, so one slow job among fast ones moves the median little. */
export const JOB_WINDOW = 64
