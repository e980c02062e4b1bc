import type { RenewManyResult } from "@leasehold/contracts"
import { Effect } from "effect"
import { makeBatcher, type Batcher } from "./Batcher.ts"
import { retryTransient, type BackoffOptions } from "./backoff.ts"
import type { MasterClientShape } from "./MasterClient.ts"
import type { MasterError } from "./MasterError.ts"

/** One lease to renew. */
export interface RenewItem {
  readonly job_id: number
  readonly lease_token: string
}

/** Renews due within this many ms of each other share one `POST /leases/renew`. */
export const RENEW_WINDOW_MS = 5

/** The renew batcher: every job's renew fiber submits here; one call renews them all. */
export const makeRenewer = (options: {
  readonly client: MasterClientShape
  readonly workerId: string
  readonly leaseSeconds?: number | undefined
  readonly backoff: BackoffOptions
  readonly onRetry: (error: MasterError) => void
}): Effect.Effect<Batcher<RenewItem, RenewManyResult, MasterError>> =>
  makeBatcher<RenewItem, RenewManyResult, MasterError>({
    windowMs: RENEW_WINDOW_MS,
    maxBatch: 1000,
    send: (items) =>
      options.client
        .renew({
          worker_id: options.workerId,
          items,
          ...(options.leaseSeconds !== undefined ? { lease_seconds: options.leaseSeconds } : {})
        })
        .pipe(
          retryTransient(options.backoff, options.onRetry),
          Effect.map((response) => {
            const byId = new Map(response.results.map((r) => [r.job_id, r]))
            return items.map(
              (item) =>
                byId.get(item.job_id) ?? {
                  job_id: item.job_id,
                  ok: false,
                  error: { code: "internal", message: "missing from the renew answer" }
                }
            )
          })
        )
  })

/**
 * When to renew next, in ms from now: `renewAt` x the lease duration when configured,
 * else the master's `renew_after` hint (half-way by default). Computed against the
 * master's own `server_now`, so clocks need not agree.
 */
export const renewDelayMs = (options: {
  readonly serverNow: string
  readonly leaseExpiresAt: string
  readonly renewAfter?: string | undefined
  readonly renewAt?: number | undefined
}): { readonly delayMs: number; readonly fraction: number; readonly durationMs: number } => {
  const now = Date.parse(options.serverNow)
  const durationMs = Math.max(1, Date.parse(options.leaseExpiresAt) - now)
  const hinted = options.renewAfter ? (Date.parse(options.renewAfter) - now) / durationMs : Number.NaN
  const fraction =
    options.renewAt !== undefined ? options.renewAt : Number.isFinite(hinted) && hinted > 0 && hinted < 1 ? hinted : 0.5
  return { delayMs: Math.max(0, Math.floor(fraction * durationMs)), fraction, durationMs }
}
