import { Effect, Fiber } from "effect"
import { TestClock } from "effect/testing"
import { describe, expect, it } from "vitest"
import { seededRandom } from "../testing/testSeed.ts"
import { DEFAULT_BACKOFF, MAX_INTERNAL_RETRIES, backoffDelayMs, retryTransient, type BackoffOptions } from "./backoff.ts"
import { MasterError, type MasterErrorReason } from "./MasterError.ts"

const fail = (reason: MasterErrorReason) => new MasterError({ reason, message: reason })

describe("worker backoff delays", () => {
  it("defaults to a 50 ms base and a 5 s cap", () => {
    expect(DEFAULT_BACKOFF).toEqual({ baseMs: 50, capMs: 5000 })
    const top = () => 1 - 2 ** -40
    expect([1, 2, 3, 7, 8, 9, 30].map((a) => backoffDelayMs(a, { ...DEFAULT_BACKOFF, random: top }))).toEqual([49, 99, 199, 3199, 4999, 4999, 4999])
  })

  it("draws many delays per attempt uniformly from [0, min(cap, base·2^(n-1))] (seeded)", () => {
    const random = seededRandom("worker backoff samples")
    const options: BackoffOptions = { baseMs: 10, capMs: 300, random }
    for (let attempt = 1; attempt <= 8; attempt++) {
      const top = Math.min(300, 10 * 2 ** (attempt - 1))
      const samples = Array.from({ length: 400 }, () => backoffDelayMs(attempt, options))
      expect(samples.filter((d) => !Number.isInteger(d) || d < 0 || d > top)).toEqual([])
      const mean = samples.reduce((a, b) => a + b, 0) / samples.length
      expect(mean / top).toBeGreaterThan(0.4)
      expect(mean / top).toBeLessThan(0.6)
      expect(Math.min(...samples)).toBeLessThan(top * 0.1)
      expect(Math.max(...samples)).toBeGreaterThanOrEqual(Math.floor(top * 0.9))
    }
  })

  it("treats an attempt below 1 as the first, and the ceiling is reached exactly", () => {
    expect(backoffDelayMs(0, { baseMs: 100, capMs: 1000, random: () => 0.999 })).toBe(99)
    expect(backoffDelayMs(-3, { baseMs: 100, capMs: 1000, random: () => 0.5 })).toBe(50)
    expect(backoffDelayMs(4, { baseMs: 100, capMs: 1000, random: () => 0.5 })).toBe(400)
    expect(backoffDelayMs(5, { baseMs: 100, capMs: 1000, random: () => 0.5 })).toBe(500)
    expect(backoffDelayMs(40, { baseMs: 100, capMs: 1000, random: () => 0.5 })).toBe(500)
  })
})

/**
 * The call retries on a TestClock: the effect sleeps for real inside Effect's scheduler, the test moves
 * time by hand and counts the calls made at each instant. random() = 0.5 makes every delay half its
 * ceiling: 50, 100, 200, 400, 500, 500... with base 100 and cap 1000.
 */
describe("retryTransient (the worker's calls to the master)", () => {
  const options: BackoffOptions = { baseMs: 100, capMs: 1000, random: () => 0.5 }
  const flaky = (failures: ReadonlyArray<MasterErrorReason>) => {
    const calls: Array<number> = []
    const effect = Effect.gen(function* () {
      const now = yield* TestClock.testClockWith((c) => Effect.succeed(c.currentTimeMillisUnsafe()))
      calls.push(now)
      const reason = failures[calls.length - 1]
      if (reason !== undefined) return yield* Effect.fail(fail(reason))
      return "ok"
    })
    return { calls, effect }
  }
  const runWithClock = <A, E>(body: Effect.Effect<A, E, never>) => Effect.runPromise(Effect.provide(body, TestClock.layer()))

  it("waits the backoff between attempts (nothing early), doubling up to the cap, and then succeeds", async () => {
    const { calls, effect } = flaky(["Unavailable", "Unavailable", "Unavailable", "Unavailable", "Unavailable", "Unavailable"])
    const seen: Array<string> = []
    const out = await runWithClock(
      Effect.gen(function* () {
        const fiber = yield* effect.pipe(retryTransient(options, (e) => seen.push(e.reason)), Effect.forkChild)
        const expected = [0, 50, 150, 350, 750, 1250, 1750]
        for (let i = 1; i < expected.length; i++) {
          yield* TestClock.adjust(expected[i]! - expected[i - 1]! - 1)
          expect(calls.length, `before ${expected[i]} ms`).toBe(i)
          yield* TestClock.adjust(1)
          expect(calls.length, `at ${expected[i]} ms`).toBe(i + 1)
        }
        expect(calls).toEqual(expected)
        return yield* Fiber.join(fiber)
      })
    )
    expect(out).toBe("ok")
    expect(seen).toEqual(Array(6).fill("Unavailable"))
  })

  it(`gives up on a 500 after ${MAX_INTERNAL_RETRIES} retries; never retries a rejection or a lost lease`, async () => {
    const internal = flaky(Array(20).fill("Internal"))
    const out = await runWithClock(
      Effect.gen(function* () {
        const fiber = yield* internal.effect.pipe(retryTransient(options), Effect.result, Effect.forkChild)
        yield* TestClock.adjust(60_000)
        return yield* Fiber.join(fiber)
      })
    )
    expect(out._tag).toBe("Failure")
    expect(internal.calls).toHaveLength(MAX_INTERNAL_RETRIES + 1)
    for (const reason of ["Rejected", "LeaseLost"] as const) {
      const once = flaky([reason, reason])
      const r = await runWithClock(
        Effect.gen(function* () {
          const fiber = yield* once.effect.pipe(retryTransient(options), Effect.result, Effect.forkChild)
          yield* TestClock.adjust(60_000)
          return yield* Fiber.join(fiber)
        })
      )
      expect(r._tag).toBe("Failure")
      expect(once.calls).toEqual([0])
    }
  })

  it("retries an outage for as long as it lasts (no give-up on Unavailable)", async () => {
    const long = flaky(Array(200).fill("Unavailable"))
    const out = await runWithClock(
      Effect.gen(function* () {
        const fiber = yield* long.effect.pipe(retryTransient(options), Effect.forkChild)
        yield* TestClock.adjust(200 * 1000)
        return yield* Fiber.join(fiber)
      })
    )
    expect(out).toBe("ok")
    expect(long.calls).toHaveLength(201)
  })
})
