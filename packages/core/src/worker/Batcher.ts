import { Deferred, Effect, Fiber, Queue } from "effect"

/** Gathers items submitted within a short window into one call; each submitter gets its own answer. */
export interface Batcher<I, O, E> {
  /** Queues one item and waits for its answer from the batch it lands in. */
  readonly submit: (item: I) => Effect.Effect<O, E>
  /** Stops the loop; items not yet sent fail with interruption. */
  readonly close: Effect.Effect<void>
}

export interface BatcherOptions<I, O, E> {
  /** How long to wait for company after the first item (a few ms; 0 = only what is already queued). */
  readonly windowMs: number
  /** Largest batch per call. */
  readonly maxBatch: number
  /** Sends one batch; answers one result per item, in order. */
  readonly send: (items: ReadonlyArray<I>) => Effect.Effect<ReadonlyArray<O>, E>
}

interface Entry<I, O, E> {
  readonly item: I
  readonly deferred: Deferred.Deferred<O, E>
}

/**
 * Starts a micro-batcher. Batches are sent one at a time, so while one call is in flight
 * the next batch fills up by itself (natural batching under load).
 */
export const makeBatcher = <I, O, E>(options: BatcherOptions<I, O, E>): Effect.Effect<Batcher<I, O, E>> =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<Entry<I, O, E>>()
    const sendBatch = (entries: ReadonlyArray<Entry<I, O, E>>) =>
      options.send(entries.map((e) => e.item)).pipe(
        Effect.matchEffect({
          onFailure: (error) => Effect.forEach(entries, (e) => Deferred.fail(e.deferred, error), { discard: true }),
          onSuccess: (results) =>
            Effect.forEach(
              entries,
              (e, i) =>
                i < results.length
                  ? Deferred.succeed(e.deferred, results[i] as O)
                  : Deferred.die(e.deferred, new Error("batch answer shorter than the batch")),
              { discard: true }
            )
        })
      )
    const loop = Effect.gen(function* () {
      while (true) {
        const first = yield* Queue.takeBetween(queue, 1, options.maxBatch)
        let batch = first
        if (options.windowMs > 0 && batch.length < options.maxBatch) {
          yield* Effect.sleep(options.windowMs)
          const more = yield* Queue.takeBetween(queue, 0, options.maxBatch - batch.length)
          batch = batch.concat(more)
        }
        yield* sendBatch(batch)
      }
    })
    const fiber = yield* Effect.forkDetach(loop)
    return {
      submit: (item: I) =>
        Effect.gen(function* () {
          const deferred = yield* Deferred.make<O, E>()
          yield* Queue.offer(queue, { item, deferred })
          return yield* Deferred.await(deferred)
        }),
      close: Effect.gen(function* () {
        yield* Fiber.interrupt(fiber)
        const left = yield* Queue.takeBetween(queue, 0, Number.MAX_SAFE_INTEGER)
        yield* Effect.forEach(left, (e) => Deferred.interrupt(e.deferred), { discard: true })
      })
    }
  })
