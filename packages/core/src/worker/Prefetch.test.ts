import { describe, expect, it } from "vitest"
import { testSeed } from "../testing/testSeed.ts"
import {
  MAX_PREFETCH,
  RecentMedian,
  bufferTarget,
  drainTarget,
  isFull,
  leaseSize,
  parsePrefetch,
  rttSample,
  waitedTooLong,
  wantsProbe
} from "./Prefetch.ts"

/** mulberry32: a seeded generator, so a failing case can be replayed. */
const rng = (seed: number) => () => {
  seed = (seed + 0x6d2b79f5) | 0
  let t = Math.imul(seed ^ (seed >>> 15), 1 | seed)
  t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296
}
const SEED = testSeed("Prefetch properties")

const cases = (n: number) => {
  const r = rng(SEED)
  return Array.from({ length: n }, () => ({
    slots: 1 + Math.floor(r() * 200),
    rttMs: 0.1 + r() * 50,
    jobMs: r() * 60,
    leaseMs: r() < 0.5 ? undefined : 100 + r() * 100_000
  }))
}

describe("drainTarget", () => {
  it("is slots x round trip / job time, rounded up", () => {
    expect(drainTarget({ slots: 8, rttMs: 5, jobMs: 1 })).toBe(40)
    expect(drainTarget({ slots: 3, rttMs: 10, jobMs: 4 })).toBe(8)
    expect(drainTarget({ slots: 1, rttMs: 2, jobMs: 2 })).toBe(1)
  })

  it("gives no buffer to jobs that run longer than a round trip", () => {
    expect(drainTarget({ slots: 64, rttMs: 5, jobMs: 5.01 })).toBe(0)
    expect(drainTarget({ slots: 64, rttMs: 5, jobMs: 200 })).toBe(0)
    for (const c of cases(500)) if (c.jobMs > c.rttMs) expect(drainTarget(c)).toBe(0)
  })

  it("is capped at the lease maximum, 1000", () => {
    expect(drainTarget({ slots: 100, rttMs: 50, jobMs: 1 })).toBe(MAX_PREFETCH)
    expect(drainTarget({ slots: 1, rttMs: 5, jobMs: 0 })).toBe(MAX_PREFETCH)
    expect(drainTarget({ slots: 1000, rttMs: 1, jobMs: 1 })).toBe(MAX_PREFETCH)
    for (const c of cases(500)) expect(drainTarget(c)).toBeLessThanOrEqual(MAX_PREFETCH)
  })

  it("is capped at what the slots start within half a lease", () => {
    expect(drainTarget({ slots: 4, rttMs: 40, jobMs: 10, leaseMs: 20 })).toBe(4)
    expect(drainTarget({ slots: 4, rttMs: 40, jobMs: 10, leaseMs: 100_000 })).toBe(16)
  })

  it("is 0 until both the round trip and the job time were measured", () => {
    expect(drainTarget({ slots: 8, rttMs: Number.NaN, jobMs: 1 })).toBe(0)
    expect(drainTarget({ slots: 8, rttMs: 5, jobMs: Number.NaN })).toBe(0)
    expect(drainTarget({ slots: 8, rttMs: 0, jobMs: 0 })).toBe(0)
    expect(drainTarget({ slots: 0, rttMs: 5, jobMs: 1 })).toBe(0)
  })

  it("never decreases with more slots or a longer round trip, never increases with longer jobs", () => {
    for (const c of cases(2000)) {
      const base = drainTarget(c)
      expect(drainTarget({ ...c, slots: c.slots + 1 })).toBeGreaterThanOrEqual(base)
      expect(drainTarget({ ...c, rttMs: c.rttMs * 1.5 })).toBeGreaterThanOrEqual(base)
      expect(drainTarget({ ...c, jobMs: c.jobMs * 1.5 + 0.01 })).toBeLessThanOrEqual(base)
      expect(base).toBeGreaterThanOrEqual(0)
      expect(Number.isInteger(base)).toBe(true)
    }
  })
})

describe("bufferTarget", () => {
  const e = { slots: 8, rttMs: 5, jobMs: 1 }
  const long = { slots: 8, rttMs: 5, jobMs: 100 }

  it("auto follows the drain target, scarce or not", () => {
    expect(bufferTarget("auto", false, e)).toBe(40)
    expect(bufferTarget("auto", true, e)).toBe(40)
    expect(bufferTarget("auto", false, long)).toBe(0)
  })

  it("0 never buffers", () => {
    for (const c of cases(200)) {
      expect(bufferTarget(0, false, c)).toBe(0)
      expect(bufferTarget(0, true, c)).toBe(0)
    }
  })

  it("N fixes the buffer (capped at 1000), whatever the measurements, while the master has plenty", () => {
    expect(bufferTarget(7, false, e)).toBe(7)
    expect(bufferTarget(7, false, long)).toBe(7)
    expect(bufferTarget(7, false, { slots: 1, rttMs: Number.NaN, jobMs: Number.NaN })).toBe(7)
    expect(bufferTarget(5000, false, e)).toBe(MAX_PREFETCH)
  })

  it("N after a short answer keeps no more than the slots drain in one round trip", () => {
    expect(bufferTarget(100, true, e)).toBe(40)
    expect(bufferTarget(10, true, e)).toBe(10)
    expect(bufferTarget(10, true, long)).toBe(0)
  })
})

describe("leaseSize", () => {
  it("asks for the free slots plus what the buffer lacks, less what calls in flight asked for it", () => {
    expect(leaseSize({ freeSlots: 3, buffered: 0, askedInFlight: 0, target: 0, probe: false })).toBe(3)
    expect(leaseSize({ freeSlots: 3, buffered: 4, askedInFlight: 0, target: 10, probe: false })).toBe(9)
    expect(leaseSize({ freeSlots: 0, buffered: 4, askedInFlight: 5, target: 10, probe: false })).toBe(1)
    expect(leaseSize({ freeSlots: 0, buffered: 12, askedInFlight: 0, target: 10, probe: false })).toBe(0)
    expect(leaseSize({ freeSlots: 2, buffered: 12, askedInFlight: 3, target: 10, probe: false })).toBe(2)
  })

  it("with prefetch 0 asks only for free slots", () => {
    for (const c of cases(200)) {
      const free = c.slots % 17
      expect(leaseSize({ freeSlots: free, buffered: 0, askedInFlight: 0, target: bufferTarget(0, false, c), probe: false })).toBe(free)
    }
  })

  it("probes with one more job only when it has free slots and the buffer lacks nothing", () => {
    expect(leaseSize({ freeSlots: 2, buffered: 0, askedInFlight: 0, target: 0, probe: true })).toBe(3)
    expect(leaseSize({ freeSlots: 0, buffered: 0, askedInFlight: 0, target: 0, probe: true })).toBe(0)
    expect(leaseSize({ freeSlots: 2, buffered: 0, askedInFlight: 0, target: 3, probe: true })).toBe(5)
  })

  it("never asks for more than the lease maximum", () => {
    expect(leaseSize({ freeSlots: 1000, buffered: 0, askedInFlight: 0, target: 1000, probe: true })).toBe(MAX_PREFETCH)
    expect(leaseSize({ freeSlots: 999, buffered: 0, askedInFlight: 0, target: 0, probe: true })).toBe(MAX_PREFETCH)
  })
})

describe("scarcity, samples, staleness", () => {
  it("probes only a fixed N that scarcity holds below its setting", () => {
    const e = { slots: 4, rttMs: 5, jobMs: 100 }
    expect(wantsProbe(10, true, e)).toBe(true)
    expect(wantsProbe(10, false, e)).toBe(false)
    expect(wantsProbe("auto", true, e)).toBe(false)
    expect(wantsProbe(0, true, e)).toBe(false)
    expect(wantsProbe(10, true, { slots: 4, rttMs: 5, jobMs: 1 })).toBe(false)
  })

  it("an answer is full when it brought every job asked for", () => {
    expect(isFull(5, 5)).toBe(true)
    expect(isFull(5, 4)).toBe(false)
    expect(isFull(0, 0)).toBe(true)
  })

  it("measures the round trip only on calls answered at once", () => {
    expect(rttSample({ waitMs: 0, asked: 10, got: 0, ms: 3 })).toBe(3)
    expect(rttSample({ waitMs: 2000, asked: 10, got: 10, ms: 4 })).toBe(4)
    expect(rttSample({ waitMs: 2000, asked: 10, got: 9, ms: 900 })).toBeNull()
  })

  it("a buffered job is stale once it waited more than half its lease", () => {
    expect(waitedTooLong(1000, 2000)).toBe(false)
    expect(waitedTooLong(1001, 2000)).toBe(true)
    expect(waitedTooLong(0, 2000)).toBe(false)
  })
})

describe("RecentMedian", () => {
  it("is NaN before any sample, then the median of the last samples", () => {
    const m = new RecentMedian(3)
    expect(Number.isNaN(m.value)).toBe(true)
    m.add(10)
    expect(m.value).toBe(10)
    m.add(2)
    expect(m.value).toBe(6)
    m.add(4)
    expect(m.value).toBe(4)
    m.add(1000)
    m.add(1000)
    expect(m.value).toBe(1000)
    m.add(1)
    expect(m.value).toBe(1000)
    m.add(1)
    expect(m.value).toBe(1)
  })

  it("stays NaN until it has its minimum of samples", () => {
    const m = new RecentMedian(8, 3)
    m.add(900)
    m.add(2)
    expect(Number.isNaN(m.value)).toBe(true)
    m.add(3)
    expect(m.value).toBe(3)
  })

  it("ignores samples that are not finite non-negative numbers", () => {
    const m = new RecentMedian(4)
    m.add(5)
    m.add(Number.NaN)
    m.add(-1)
    m.add(Number.POSITIVE_INFINITY)
    expect(m.value).toBe(5)
    m.add(0)
    expect(m.value).toBe(2.5)
  })

  it("agrees with a sorted copy of the window on random samples", () => {
    const r = rng(SEED + 1)
    const size = 1 + Math.floor(r() * 20)
    const m = new RecentMedian(size)
    const all: Array<number> = []
    for (let i = 0; i < 300; i++) {
      const x = Math.floor(r() * 1000)
      m.add(x)
      all.push(x)
      const win = all.slice(-size).sort((a, b) => a - b)
      const mid = win.length >> 1
      expect(m.value).toBe(win.length % 2 ? win[mid] : (win[mid - 1]! + win[mid]!) / 2)
    }
  })
})

describe("parsePrefetch", () => {
  it("takes auto, 0 and N up to 1000", () => {
    expect(parsePrefetch("auto")).toBe("auto")
    expect(parsePrefetch(" 0 ")).toBe(0)
    expect(parsePrefetch("1000")).toBe(1000)
    expect(parsePrefetch("25")).toBe(25)
  })

  it("refuses anything else", () => {
    for (const bad of ["", "1001", "-1", "1.5", "AUTO", "ten", "1e3"]) expect(parsePrefetch(bad)).toBeNull()
  })
})
