import { describe, expect, it } from "vitest"
import { NONE, cleared, limitOption, rateOption, rateText } from "./queueLimits.ts"

describe("queue limit flags", () => {
  it("parses --rate LIMIT/PERIOD in ms, s, m and h, and none", () => {
    expect(rateOption("100/1s")).toEqual({ limit: 100, period_ms: 1000 })
    expect(rateOption("50/500ms")).toEqual({ limit: 50, period_ms: 500 })
    expect(rateOption(" 1000/1M ")).toEqual({ limit: 1000, period_ms: 60_000 })
    expect(rateOption("10/24h")).toEqual({ limit: 10, period_ms: 86_400_000 })
    expect(cleared(rateOption("none"))).toBeNull()
    for (const bad of ["100", "100/s", "/1s", "1.5/1s", "100/1d", "-1/1s", "0/1s", "1000001/1s", "10/0ms", "10/25h", "10 / 1s"])
      expect(() => rateOption(bad), bad).toThrow()
  })
  it("parses limits 1..100000 and none; prints a rate back as it is spelt", () => {
    expect(limitOption("7")).toBe(7)
    expect(limitOption("100000")).toBe(100_000)
    expect(limitOption("none")).toBe(NONE)
    expect(cleared<number>(undefined)).toBeUndefined()
    for (const bad of ["0", "100001", "1.5", "-3", "x", ""]) expect(() => limitOption(bad), bad).toThrow()
    expect([rateText({ limit: 5, period_ms: 500 }), rateText({ limit: 5, period_ms: 2000 }), rateText({ limit: 5, period_ms: 7_200_000 }), rateText(null)]).toEqual(["5/500ms", "5/2s", "5/2h", "-"])
  })
})
