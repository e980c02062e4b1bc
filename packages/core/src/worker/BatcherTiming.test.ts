import { Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { makeBatcher } from "./Batcher.ts"

/** Runs on a TestClock: the window only elapses when the test adjusts the clock. */
const onClock = <A, E>(body: Effect.Effect<A, E, never>) => Effect.runPromise(Effect.provide(body, TestClock.layer()))
/** Lets the batcher's fiber run everything it can without the clock moving (event-loop turns, no time passes). */
const settle = Effect.promise(() => new Promise<void>((r) => setImmediate(r))).pipe(Effect.repeat({ times: 20 }))

describe("makeBatcher windows and limits", () => {
  it("sends a full batch at once, without waiting the window", async () => {
    const calls: Array<ReadonlyArray<number>> = []
    await onClock(
      Effect.gen(function* () {
        const b = yield* makeBatcher<number, number, never>({ windowMs: 1000, maxBatch: 2, send: (items) => Effect.sync(() => (calls.push(items), items)) })
        b.offer(1, () => {})
        b.offer(2, () => {})
        yield* settle
        expect(calls).toEqual([[1, 2]])
        yield* b.close
      })
    )
  })

  it("with windowMs 0 sends what is queued without waiting", async () => {
    const calls: Array<ReadonlyArray<number>> = []
    await onClock(
      Effect.gen(function* () {
        const b = yield* makeBatcher<number, number, never>({ windowMs: 0, maxBatch: 10, send: (items) => Effect.sync(() => (calls.push(items), items)) })
        b.offer(1, () => {})
        yield* settle
        expect(calls).toEqual([[1]])
        yield* b.close
      })
    )
  })

  it("answers each item through offer's callback; a short answer dies for the items left without one", async () => {
    const exits: Array<Exit.Exit<number, never>> = []
    await onClock(
      Effect.gen(function* () {
        const b = yield* makeBatcher<number, number, never>({ windowMs: 0, maxBatch: 10, send: (items) => Effect.succeed(items.slice(0, 1).map((n) => n * 10)) })
        for (const n of [1, 2, 3]) b.offer(n, (e) => exits.push(e))
        yield* settle
        yield* b.close
      })
    )
    expect(exits.map((e) => (Exit.isSuccess(e) ? e.value : Exit.hasDies(e) ? "died" : "other"))).toEqual([10, "died", "died"])
  })
})
