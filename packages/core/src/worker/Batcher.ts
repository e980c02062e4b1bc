import { Effect, Exit, Fiber, Queue } from "effect"

/** Gathers items submitted within a short window into one call; each submitter gets its own answer. */
export interface Batcher<I, O, E> {
  /** Queues one item and waits for its answer from the batch it lands in. */
  readonly submit: (item: I) => Effect.Effect<O, E>
  /**
   * Queues one item without a fiber of its own: `done` is called with its answer. The cheap path
   * for thousands of items per second (one callback per item instead of one fiber and one Deferred).
   */
  readonly offer: (item: I, done: (exit: Exit.Exit<O, E>) => void) => void
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
  readonly done: (exit: Exit.Exit<O, E>) => void
}

const shortAnswer = Exit.die(new Error("batch answer shorter than the batch"))

/**
 * Starts a micro-batcher. Batches are sent one at a time, so while one call is in flight
 * the next batch fills up by itself (natural batching under load).
 */
export const makeBatcher = <I, O, E>(options: BatcherOptions<I, O, E>): Effect.Effect<Batcher<I, O, E>> =>
  Effect.gen(function* () {
    const queue = yield* Queue.unbounded<Entry<I, O, E>>()
    const sendBatch = (entries: ReadonlyArray<Entry<I, O, E>>) =>
      options.send(entries.map((e) => e.item)).pipe(
        Effect.onInterrupt(() => Effect.sync(() => entries.forEach((e) => e.done(Exit.interrupt())))),
        Effect.exit,
        Effect.map((exit) => {
          if (Exit.isSuccess(exit)) {
            const results = exit.value
            entries.forEach((e, i) => e.done(i < results.length ? Exit.succeed(results[i] as O) : shortAnswer))
          } else {
            for (const e of entries) e.done(exit as Exit.Exit<never, E>)
          }
        })
      )
    const loop = Effect.gen(function* () {
      while (true) {
        const first = yield* Queue.takeBetween(queue, 1, options.maxBatch)
        let batch = first
        if (options.windowMs > 0 && batch.length < options.maxBatch) {
          yield* Effect.sleep(options.windowMs)
          // What came during the window, without waiting (takeBetween with a minimum of 0 takes nothing).
          if (Queue.sizeUnsafe(queue) > 0) batch = batch.concat(yield* Queue.takeBetween(queue, 1, options.maxBatch - batch.length))
        }
        yield* sendBatch(batch)
      }
    })
    const fiber = yield* Effect.forkDetach(loop)
    return {
      submit: (item: I) =>
        Effect.callback<O, E>((resume) => {
          Queue.offerUnsafe(queue, { item, done: resume })
        }),
      offer: (item, done) => {
        Queue.offerUnsafe(queue, { item, done })
      },
      close: Effect.gen(function* () {
        yield* Fiber.interrupt(fiber)
        const left = yield* Queue.clear(queue)
        for (const e of left) e.done(Exit.interrupt())
      })
    }
  })
