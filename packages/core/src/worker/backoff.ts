import { Duration, Effect, Schedule } from "effect"
import { isTransient, type MasterError } from "./MasterError.ts"

/** Retry timing for calls to the master. */
export interface BackoffOptions {
  /** First delay ceiling; doubles per attempt. */
  readonly baseMs: number
  /** Largest delay: a master down for minutes is polled at this pace, never given up on. */
  readonly capMs: number
  /** Source of randomness in [0, 1); injectable for deterministic tests. */
  readonly random?: () => number
}

/** 50 ms first retry keeps a blip invisible; 5 s cap bounds the wait after an outage ends. */
export const DEFAULT_BACKOFF: BackoffOptions = { baseMs: 50, capMs: 5_000 }

/** Full-jitter exponential delay for a 1-based attempt: uniform in [0, min(cap, base * 2^(attempt-1))]. */
export const backoffDelayMs = (attempt: number, options: BackoffOptions): number => {
  const ceiling = Math.min(options.capMs, options.baseMs * 2 ** Math.max(0, attempt - 1))
  return Math.floor((options.random ?? Math.random)() * ceiling)
}

/** An unbounded exponential schedule with full jitter and a cap. */
export const backoffSchedule = (options: BackoffOptions = DEFAULT_BACKOFF) =>
  Schedule.forever.pipe(
    Schedule.modifyDelay(({ attempt }) => Effect.succeed(Duration.millis(backoffDelayMs(attempt, options))))
  )

/** A 500 is retried this many times, then the call fails (a bug, not an outage). */
export const MAX_INTERNAL_RETRIES = 5

/**
 * Retries transient master failures with backoff: `Unavailable` forever, `Internal` a few
 * times; other failures pass through.
 * `onRetry` sees each transient failure (for logs).
 */
export const retryTransient = (options: BackoffOptions = DEFAULT_BACKOFF, onRetry?: (error: MasterError) => void) =>
  <A, R>(self: Effect.Effect<A, MasterError, R>): Effect.Effect<A, MasterError, R> =>
    Effect.suspend(() => {
      let internal = 0
      return Effect.retry(self, {
        schedule: backoffSchedule(options),
        while: (error: MasterError) => {
          if (!isTransient(error)) return false
          if (error.reason === "Internal" && ++internal > MAX_INTERNAL_RETRIES) return false
          onRetry?.(error)
          return true
        }
      })
    })
