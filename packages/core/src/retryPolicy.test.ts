import fc from "fast-check"
import { describe, expect, it } from "vitest"
import {
  DEFAULT_BACKOFF_BASE_MS,
  DEFAULT_BACKOFF_CAP_MS,
  backoffCeiling,
  backoffDelay,
  makeRetryPolicy,
  mulberry32
} from "./retryPolicy.ts"

const half = () => 0.5

describe("retryPolicy", () => {
  it("defaults to base 1 s and cap 1 h", () => {
    expect(DEFAULT_BACKOFF_BASE_MS).toBe(1000)
    expect(DEFAULT_BACKOFF_CAP_MS).toBe(3_600_000)
    expect([1, 2, 3, 4, 12, 13, 100].map((a) => backoffCeiling(a))).toEqual([
      1000, 2000, 4000, 8000, 2_048_000, 3_600_000, 3_600_000
    ])
  })

  it("is exactly half the ceiling when random() is 0.5", () => {
    expect([1, 2, 3, 10].map((a) => backoffDelay(a, { random: half }))).toEqual([500, 1000, 2000, 256_000])
    expect(backoffDelay(50, { random: half })).toBe(1_800_000)
    expect(backoffDelay(3, { random: half, baseMs: 100, capMs: 300 })).toBe(150)
  })

  it("treats attempts below 1 as the first", () => {
    expect(backoffCeiling(0)).toBe(1000)
    expect(backoffCeiling(-4)).toBe(1000)
  })

  it("is reproducible with a seeded PRNG", () => {
    const run = (seed: number) => {
      const policy = makeRetryPolicy({ random: mulberry32(seed) })
      return [1, 2, 3, 4, 5].map((a) => policy.delayMs(a))
    }
    expect(run(42)).toEqual(run(42))
    expect(run(42)).not.toEqual(run(43))
    const random = mulberry32(7)
    const values = Array.from({ length: 1000 }, random)
    expect(values.every((v) => v >= 0 && v < 1)).toBe(true)
    expect(new Set(values).size).toBeGreaterThan(990)
  })

  it("always lies within [0, min(cap, base * 2^(attempt-1))] and never above the cap", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 200 }),
        fc.integer({ min: 1, max: 100_000 }),
        fc.integer({ min: 1, max: 10_000_000 }),
        fc.double({ min: 0, max: 1, maxExcluded: true, noNaN: true }),
        (attempt, baseMs, capMs, r) => {
          const delay = backoffDelay(attempt, { baseMs, capMs, random: () => r })
          expect(Number.isInteger(delay)).toBe(true)
          expect(delay).toBeGreaterThanOrEqual(0)
          expect(delay).toBeLessThanOrEqual(Math.min(capMs, baseMs * 2 ** (attempt - 1)))
          expect(delay).toBeLessThanOrEqual(capMs)
        }
      )
    )
  })

  it("has a ceiling that never shrinks as attempts grow", () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 199 }), fc.integer({ min: 1, max: 100_000 }), fc.integer({ min: 1, max: 10_000_000 }), (attempt, baseMs, capMs) => {
        const now = backoffCeiling(attempt, { baseMs, capMs })
        const next = backoffCeiling(attempt + 1, { baseMs, capMs })
        expect(next).toBeGreaterThanOrEqual(now)
        if (now < capMs) expect(next).toBe(Math.min(capMs, now * 2))
      })
    )
  })

  it("is mulberry32 exactly (its first values for seed 42 pinned), and the bound policy exposes its ceiling", () => {
    const random = mulberry32(42)
    expect([random(), random(), random()]).toEqual([0.6011037519201636, 0.44829055899754167, 0.8524657934904099])
    const policy = makeRetryPolicy({ baseMs: 100, capMs: 1000 })
    expect([1, 2, 4, 5, 9].map((a) => policy.ceilingMs(a))).toEqual([100, 200, 800, 1000, 1000])
  })
})
