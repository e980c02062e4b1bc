/** First retry waits up to 1 s: long enough to ride out a blip, short enough to feel immediate. */
export const DEFAULT_BACKOFF_BASE_MS = 1000
/** No retry waits more than an hour, however many attempts came before (SPEC default cap). */
export const DEFAULT_BACKOFF_CAP_MS = 3_600_000

/** Backoff settings; `random` returns a number in [0, 1) and makes the policy seedable. */
export interface RetryPolicyOptions {
  readonly baseMs?: number | undefined
  readonly capMs?: number | undefined
  readonly random?: (() => number) | undefined
}

/** The upper bound of the delay before retry number `attempt` (1-based): min(cap, base * 2^(attempt-1)). */
export const backoffCeiling = (attempt: number, options: RetryPolicyOptions = {}): number => {
  const base = options.baseMs ?? DEFAULT_BACKOFF_BASE_MS
  const cap = options.capMs ?? DEFAULT_BACKOFF_CAP_MS
  const exponent = Math.max(0, Math.floor(attempt) - 1)
  return Math.min(cap, base * 2 ** exponent)
}

/** Exponential backoff with full jitter: a whole number of ms in [0, ceiling], spreading retries apart. */
export const backoffDelay = (attempt: number, options: RetryPolicyOptions = {}): number => {
  const random = options.random ?? Math.random
  return Math.floor(random() * backoffCeiling(attempt, options))
}

/** A retry policy with its settings bound, so stores and fibers share one configuration. */
export interface RetryPolicy {
  readonly delayMs: (attempt: number) => number
  readonly ceilingMs: (attempt: number) => number
}

/** Builds a `RetryPolicy` from options (defaults: base 1 s, cap 1 h, Math.random). */
export const makeRetryPolicy = (options: RetryPolicyOptions = {}): RetryPolicy => ({
  delayMs: (attempt) => backoffDelay(attempt, options),
  ceilingMs: (attempt) => backoffCeiling(attempt, options)
})

/** A tiny seeded PRNG (mulberry32) returning numbers in [0, 1), for reproducible jitter in tests. */
export const mulberry32 = (seed: number): (() => number) => {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}
