import { describe, expect, it } from "vitest"
import { duration, progressBar, relative, table } from "./format.ts"

describe("table", () => {
  it("aligns columns two spaces apart, right-aligning numbers", () => {
    const rows = [
      { id: 7, name: "alpha" },
      { id: 123, name: "b" }
    ]
    expect(
      table(rows, [
        { header: "ID", cell: (r) => String(r.id), align: "right" },
        { header: "NAME", cell: (r) => r.name }
      ])
    ).toBe(" ID  NAME\n  7  alpha\n123  b")
    expect(table([], [{ header: "X", cell: () => "" }])).toBe("(none)")
  })
})

describe("relative times", () => {
  const now = new Date("2026-01-01T12:00:00Z")
  it.each([
    ["2026-01-01T12:00:00.400Z", "now"],
    ["2026-01-01T11:59:18Z", "42s ago"],
    ["2026-01-01T12:05:00Z", "in 5m"],
    ["2026-01-01T10:54:30Z", "1h 5m ago"],
    ["2026-01-03T13:00:00Z", "in 2d 1h"]
  ])("%s is %s", (iso, text) => expect(relative(iso, now)).toBe(text))
  it("shows absent times as a dash and durations in two units", () => {
    expect(relative(null, now)).toBe("-")
    expect(duration(0)).toBe("0s")
    expect(duration(90_061_000)).toBe("1d 1h")
  })
})

describe("progressBar", () => {
  it("fills proportionally and clamps", () => {
    expect(progressBar(0.5, 10)).toBe("[#####-----]  50.0%")
    expect(progressBar(2, 4)).toBe("[####] 100.0%")
    expect(progressBar(Number.NaN, 4)).toBe("[----]   0.0%")
  })
})
