import { describe, expect, it } from "vitest"
import type { PoolStatus } from "@leasehold/core"
import { IDLE_PROGRESS_EVERY_MS, makeProgressLine } from "./progressLine.ts"

const status = (completed: number, inFlight: number): PoolStatus => ({
  workerId: "w",
  state: "running",
  concurrency: 8,
  inFlight,
  slots: [],
  buffered: [],
  prefetch: { setting: "auto", target: 0, scarce: false, rttMs: Number.NaN, jobMs: Number.NaN },
  counts: { started: completed + inFlight, completed, failed: 0, lost: 0, released: 0, crashed: 0, prefetched: 0 }
})

/** A progress line on a fake clock that ticks every 10 s, as the demo's workers do. */
const harness = () => {
  let t = 0
  const lines: Array<Record<string, unknown>> = []
  const log = { debug: () => {}, info: (msg: string, f?: Record<string, unknown>) => void lines.push({ msg, ...f }), warn: () => {}, error: () => {} }
  const line = makeProgressLine(log, () => t)
  const tick = (s: PoolStatus) => {
    t += 10_000
    line.tick(s)
  }
  return { lines, tick }
}

describe("the worker's progress line", () => {
  it("stays quiet while idle, but for one line every few minutes", () => {
    const h = harness()
    const ticks = 360 // an hour at 10 s
    for (let i = 0; i < ticks; i++) h.tick(status(0, 0))
    expect(h.lines.length).toBe(Math.floor((ticks * 10_000) / IDLE_PROGRESS_EVERY_MS))
    expect(h.lines.every((l) => l.idle === true && l.rate_per_s === 0)).toBe(true)
  })

  it("prints each tick in which something changed, then one line as the work drains, then goes quiet", () => {
    const h = harness()
    h.tick(status(10, 8))
    h.tick(status(25, 8))
    h.tick(status(30, 3))
    h.tick(status(33, 0))
    for (let i = 0; i < 20; i++) h.tick(status(33, 0))
    expect(h.lines.map((l) => [l.done, l.in_flight])).toEqual([[10, 8], [25, 8], [30, 3], [33, 0]])
    expect(h.lines.map((l) => l.rate_per_s)).toEqual([1, 1.5, 0.5, 0.3])
  })
})
