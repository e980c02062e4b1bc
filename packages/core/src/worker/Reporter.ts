import type { AckItem, AckResult } from "@leasehold/contracts"
import { Effect, Exit, Fiber } from "effect"
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

/** Waiting outcomes a lease call carries (`acks`); it settles them with the answer or gives them back. */
export interface CarriedAcks {
  readonly items: ReadonlyArray<AckItem>
  /** The lease answered: one result per item, in order (a missing one is reported as an error). */
  readonly settle: (results: ReadonlyArray<AckResult> | undefined) => void
  /** The lease call failed or was interrupted: the items wait again and go alone (idempotent repeats). */
  readonly giveBack: () => void
}

/**
 * Where finished outcomes wait for a ride. The next lease call takes them (`take`: one round trip both
 * reports and refills); when none takes them within `windowMs` they go alone through `POST /leases/ack`,
 * batched, and a master that is down is retried with backoff until it answers.
 */
export interface AckOutbox {
  readonly offer: (item: AckItem, done: (exit: Exit.Exit<AckResult, MasterError>) => void) => void
  /** Takes up to `max` waiting outcomes for a lease call, or null when none waits. */
  readonly take: (max: number) => CarriedAcks | null
  /** Outcomes waiting or travelling. */
  readonly pending: () => number
  /** Sends everything still waiting at once (shutdown). */
  readonly flush: () => void
  readonly close: Effect.Effect<void>
}

interface Waiting {
  readonly item: AckItem
  readonly done: (exit: Exit.Exit<AckResult, MasterError>) => void
}

const missing = (item: AckItem): AckResult => ({ job_id: item.job_id, ok: false, error: { code: "internal", message: "missing from the ack answer" } })

/** Matches results to items by position, falling back to the job id. */
const resultsFor = (items: ReadonlyArray<AckItem>, results: ReadonlyArray<AckResult>): Array<AckResult> => {
  const byId = new Map(results.map((r) => [r.job_id, r]))
  return items.map((item, i) => (results[i]?.job_id === item.job_id ? results[i]! : (byId.get(item.job_id) ?? missing(item))))
}

/** Builds the outbox (see `AckOutbox`). */
export const makeAckOutbox = (options: {
  readonly client: MasterClientShape
  readonly workerId: string
  readonly windowMs: number
  readonly backoff: BackoffOptions
  readonly onRetry: (error: MasterError) => void
}): AckOutbox => {
  let waiting: Array<Waiting> = []
  let travelling = 0
  let timer: ReturnType<typeof setTimeout> | null = null
  const fibers = new Set<Fiber.Fiber<unknown, unknown>>()
  const answer = (batch: ReadonlyArray<Waiting>, results: ReadonlyArray<AckResult>) => {
    const matched = resultsFor(batch.map((w) => w.item), results)
    travelling -= batch.length
    batch.forEach((w, i) => w.done(Exit.succeed(matched[i]!)))
  }
  const sendAlone = () => {
    timer = null
    while (waiting.length > 0) {
      const batch = waiting.slice(0, MAX_ACK_BATCH)
      waiting = waiting.slice(batch.length)
      travelling += batch.length
      const fiber = Effect.runFork(
        options.client.ack({ worker_id: options.workerId, items: batch.map((w) => w.item) }).pipe(
          retryTransient(options.backoff, options.onRetry),
          Effect.exit,
          Effect.map((exit) => {
            if (Exit.isSuccess(exit)) return answer(batch, exit.value.results)
            travelling -= batch.length
            for (const w of batch) w.done(exit as Exit.Exit<never, MasterError>)
          })
        )
      )
      fibers.add(fiber)
      fiber.addObserver(() => fibers.delete(fiber))
    }
  }
  const arm = () => {
    if (timer === null && waiting.length > 0) timer = setTimeout(sendAlone, options.windowMs)
  }
  return {
    offer: (item, done) => {
      waiting.push({ item, done })
      arm()
    },
    take: (max) => {
      if (waiting.length === 0) return null
      const batch = waiting.slice(0, max)
      waiting = waiting.slice(batch.length)
      travelling += batch.length
      if (waiting.length === 0 && timer !== null) {
        clearTimeout(timer)
        timer = null
      }
      let open = true
      return {
        items: batch.map((w) => w.item),
        settle: (results) => {
          if (!open) return
          open = false
          answer(batch, results ?? [])
        },
        giveBack: () => {
          if (!open) return
          open = false
          travelling -= batch.length
          waiting = batch.concat(waiting)
          arm()
        }
      }
    },
    pending: () => waiting.length + travelling,
    flush: () => {
      if (timer !== null) clearTimeout(timer)
      sendAlone()
    },
    close: Effect.gen(function* () {
      if (timer !== null) clearTimeout(timer)
      timer = null
      for (const f of [...fibers]) yield* Fiber.interrupt(f)
      const left = waiting
      waiting = []
      for (const w of left) w.done(Exit.interrupt())
    })
  }
}
