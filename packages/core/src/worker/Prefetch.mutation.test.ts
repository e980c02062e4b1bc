import { describe, expect, it } from "vitest"
import { drainTarget } from "./Prefetch.ts"

/** Cases the mutation run found unpinned by Prefetch.test.ts (see docs/mutation-survivors.md). */
describe("drainTarget without slots", () => {
  it("buffers nothing for a pool with no slots, even for jobs that take no time", () => {
    expect(drainTarget({ slots: 0, rttMs: 5, jobMs: 0 })).toBe(0)
    expect(drainTarget({ slots: 0, rttMs: 5, jobMs: 0, leaseMs: 30_000 })).toBe(0)
    expect(drainTarget({ slots: -1, rttMs: 5, jobMs: 1 })).toBe(0)
  })
})
