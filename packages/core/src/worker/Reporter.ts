import type { AckItem, AckResult } from "@leasehold/contracts"
import { Effect } from "effect"
import { makeBatcher, type Batcher } from "./Batcher.ts"
import { retryTransient, type BackoffOptions } from "./backoff.ts"
import type { Outcome } from "./Handler.ts"
import type { MasterClientShape } from "./MasterClient.ts"
import type { MasterError } from "./MasterError.ts"

/** Largest ack per call: well under the master's 10,000 items, small enough to keep one transaction short. */
export const MAX_ACK_BATCH = 1000

/** Builds the wire item for one finished job. */
export const ackItem = (jobId: number, leaseToken: string, outcome: Outcome): AckItem =>
  outcome.outcome === "completed"
    ? { job_id: jobId, lease_token: leaseToken, outcome: "completed", result: outcome.result ?? null }
    : {
        job_id: jobId,
        lease_token: leaseToken,
        outcome: "failed",
        error: outcome.error.stack ? outcome.error : { message: outcome.error.message },
        ...(outcome.retryable === false ? { retryable: false } : {}),
        ...(outcome.retryInMs !== undefined ? { retry_in_ms: outcome.retryInMs } : {})
      }

/**
 * The ack batcher: outcomes finished within `windowMs` of each other go out in one
 * `POST /leases/ack`; a master that is down is retried with backoff until it answers.
 */
export const makeReporter = (options: {
  readonly client: MasterClientShape
  readonly workerId: string
  readonly windowMs: number
  readonly backoff: BackoffOptions
  readonly onRetry: (error: MasterError) => void
}): Effect.Effect<Batcher<AckItem, AckResult, MasterError>> =>
  makeBatcher<AckItem, AckResult, MasterError>({
    windowMs: options.windowMs,
    maxBatch: MAX_ACK_BATCH,
    send: (items) =>
      options.client.ack({ worker_id: options.workerId, items }).pipe(
        retryTransient(options.backoff, options.onRetry),
        Effect.map((response) => {
          const byId = new Map(response.results.map((r) => [r.job_id, r]))
          return items.map(
            (item, i) =>
              response.results[i]?.job_id === item.job_id
                ? (response.results[i] as AckResult)
                : (byId.get(item.job_id) ?? {
                    job_id: item.job_id,
                    ok: false,
                    error: { code: "internal", message: "missing from the ack answer" }
                  })
          )
        })
      )
  })
