import { Cause, Effect, Exit } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { makeBatcher } from "./Batcher.ts"

/** Runs on a TestClock: the window only elapses when the test adjusts the clock. */
const onClock = <A, E>(body: Effect.Effect<A, E, never>) => Effect.runPromise(Effect.provide(body, TestClock.layer()))
const turn = Effect.promise(() => new Promise<void>((r) => setImmediate(r)))
/** Lets the batcher's fiber run everything it can without the clock moving (event-loop turns, no time passes). */
const settle = turn.pipe(Effect.repeat({ times: 20 }))
/** Waits (event-loop turns, the test clock still) until `done` holds; fails after a real-time deadline. */
const until = (done: () => boolean, what: string) =>
  Effect.gen(function* () {
    const deadline = Date.now() + 5_000
    while (!done()) {
      if (Date.now() > deadline) return yield* Effect.die(new Error(`never happened: ${what}`))
      yield* turn
    }
  })

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
    expect(String(Cause.squash((exits[1] as Exit.Failure<number, never>).cause))).toContain("batch answer shorter than the batch")
  })

  it("waits windowMs after the first item for company, sends what came, and nothing before", async () => {
    const calls: Array<ReadonlyArray<number>> = []
    await onClock(
      Effect.gen(function* () {
        const b = yield* makeBatcher<number, number, never>({ windowMs: 1000, maxBatch: 10, send: (items) => Effect.sync(() => (calls.push(items), items)) })
        b.offer(1, () => {})
        yield* settle
        yield* TestClock.adjust(999)
        yield* settle
        expect(calls).toEqual([])
        b.offer(2, () => {})
        yield* TestClock.adjust(1)
        yield* until(() => calls.length > 0, "the batch sent when its window closed")
        expect(calls).toEqual([[1, 2]])
        yield* b.close
      })
    )
  })

  it("fills a window only up to maxBatch; the rest waits a window of its own", async () => {
    const calls: Array<ReadonlyArray<number>> = []
    await onClock(
      Effect.gen(function* () {
        const b = yield* makeBatcher<number, number, never>({ windowMs: 100, maxBatch: 3, send: (items) => Effect.sync(() => (calls.push(items), items)) })
        b.offer(1, () => {})
        yield* settle
        for (const n of [2, 3, 4, 5]) b.offer(n, () => {})
        yield* TestClock.adjust(100)
        yield* until(() => calls.length === 1, "the first window's batch")
        yield* settle
        expect(calls).toEqual([[1, 2, 3]])
        yield* TestClock.adjust(100)
        yield* until(() => calls.length === 2, "the second window's batch")
        expect(calls).toEqual([[1, 2, 3], [4, 5]])
        yield* b.close
      })
    )
  })

  it("close answers the batch in flight and every item still queued with interruption", async () => {
    const exits = new Map<number, Exit.Exit<number, never>>()
    let sent: ReadonlyArray<number> = []
    await onClock(
      Effect.gen(function* () {
        const b = yield* makeBatcher<number, number, never>({ windowMs: 0, maxBatch: 10, send: (items) => ((sent = items), Effect.never) })
        b.offer(1, (e) => exits.set(1, e))
        yield* until(() => sent.length > 0, "the first batch in flight")
        for (const n of [2, 3]) b.offer(n, (e) => exits.set(n, e))
        yield* settle
        expect(sent).toEqual([1])
        expect(exits.size).toBe(0)
        yield* b.close
      })
    )
    expect([...exits.keys()].sort()).toEqual([1, 2, 3])
    expect([...exits.values()].every((e) => Exit.hasInterrupts(e))).toBe(true)
  })
})
