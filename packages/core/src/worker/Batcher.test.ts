import { describe, expect, it } from "vitest"
import { Effect } from "effect"
import { backoffDelayMs } from "./backoff.ts"
import { makeBatcher } from "./Batcher.ts"

describe("makeBatcher", () => {
  it("sends items submitted together in one call and answers each submitter with its own result", async () => {
    const calls: Array<ReadonlyArray<number>> = []
    const results = await Effect.runPromise(
      Effect.gen(function* () {
        const batcher = yield* makeBatcher<number, number, never>({
          windowMs: 5,
          maxBatch: 100,
          send: (items) => Effect.sync(() => (calls.push(items), items.map((n) => n * 10)))
        })
        const out = yield* Effect.forEach([1, 2, 3, 4, 5], (n) => batcher.submit(n), { concurrency: "unbounded" })
        yield* batcher.close
        return out
      })
    )
    expect(results).toEqual([10, 20, 30, 40, 50])
    expect(calls).toEqual([[1, 2, 3, 4, 5]])
  })

  it("splits at maxBatch and fails every item of a failed call", async () => {
    const calls: Array<number> = []
    const exit = await Effect.runPromise(
      Effect.gen(function* () {
        const batcher = yield* makeBatcher<number, number, string>({
          windowMs: 5,
          maxBatch: 2,
          send: (items) => (calls.push(items.length), Effect.fail("down"))
        })
        const out = yield* Effect.forEach([1, 2, 3], (n) => Effect.flip(batcher.submit(n)), { concurrency: "unbounded" })
        yield* batcher.close
        return out
      })
    )
    expect(exit).toEqual(["down", "down", "down"])
    expect(calls).toEqual([2, 1])
  })
})

describe("backoffDelayMs", () => {
  it("is full jitter under an exponential ceiling with a cap", () => {
    const options = { baseMs: 100, capMs: 1_000 }
    for (let attempt = 1; attempt <= 10; attempt++) {
      expect(backoffDelayMs(attempt, { ...options, random: () => 0 })).toBe(0)
      const top = backoffDelayMs(attempt, { ...options, random: () => 0.999999 })
      expect(top).toBe(Math.floor(0.999999 * Math.min(1_000, 100 * 2 ** (attempt - 1))))
    }
  })
})

describe("retryTransient", () => {
  it("retries Unavailable until it succeeds, but gives up on Internal after a few tries", async () => {
    const { MasterError } = await import("./MasterError.ts")
    const { retryTransient, MAX_INTERNAL_RETRIES } = await import("./backoff.ts")
    const fast = { baseMs: 1, capMs: 2 }
    let calls = 0
    const flaky = Effect.suspend(() =>
      ++calls < 20 ? Effect.fail(new MasterError({ reason: "Unavailable", message: "down" })) : Effect.succeed("up")
    )
    expect(await Effect.runPromise(flaky.pipe(retryTransient(fast)))).toBe("up")
    expect(calls).toBe(20)
    let internal = 0
    const broken = Effect.suspend(() => (internal++, Effect.fail(new MasterError({ reason: "Internal", message: "bug" }))))
    const error = await Effect.runPromise(Effect.flip(broken.pipe(retryTransient(fast))))
    expect(error.reason).toBe("Internal")
    expect(internal).toBe(MAX_INTERNAL_RETRIES + 1)
    let rejected = 0
    const bad = Effect.suspend(() => (rejected++, Effect.fail(new MasterError({ reason: "Rejected", message: "400" }))))
    await Effect.runPromise(Effect.flip(bad.pipe(retryTransient(fast))))
    expect(rejected).toBe(1)
  })
})
