import fc from "fast-check"
import { describe, expect, it } from "vitest"
import { parseTimestamptz } from "./parseTimestamptz.ts"

describe("parseTimestamptz", () => {
  it.each([
    ["2026-05-01 10:00:00+00", "2026-05-01T10:00:00.000Z"],
    ["2026-05-01 10:00:00.1+00", "2026-05-01T10:00:00.100Z"],
    ["2026-05-01 10:00:00.123456+00", "2026-05-01T10:00:00.123Z"],
    ["2026-05-01 10:00:00.999999+00", "2026-05-01T10:00:00.999Z"],
    ["2030-03-10 03:59:30-04", "2030-03-10T07:59:30.000Z"],
    ["2026-05-01 15:30:00.5+05:30", "2026-05-01T10:00:00.500Z"],
    ["1883-11-18 12:03:58-04:56:02", "1883-11-18T17:00:00.000Z"]
  ])("parses %s", (text, iso) => {
    expect(parseTimestamptz(text).toISOString()).toBe(iso)
  })

  it("falls back for infinity", () => {
    expect(Number.isNaN(parseTimestamptz("infinity").getTime())).toBe(true)
  })

  it("agrees with the engine's parser on generated timestamps and offsets", () => {
    fc.assert(
      fc.property(
        fc.integer({ min: 0, max: 4_102_444_800_000 }),
        fc.integer({ min: 0, max: 999_999 }),
        fc.integer({ min: -12 * 60, max: 14 * 60 }),
        (ms, micros, offset) => {
          const local = new Date(Math.floor(ms / 1000) * 1000 + offset * 60_000)
          const pad = (v: number, w = 2) => String(v).padStart(w, "0")
          const off = `${offset < 0 ? "-" : "+"}${pad(Math.floor(Math.abs(offset) / 60))}${Math.abs(offset) % 60 ? `:${pad(Math.abs(offset) % 60)}` : ""}`
          const text =
            `${pad(local.getUTCFullYear(), 4)}-${pad(local.getUTCMonth() + 1)}-${pad(local.getUTCDate())} ` +
            `${pad(local.getUTCHours())}:${pad(local.getUTCMinutes())}:${pad(local.getUTCSeconds())}.${pad(micros, 6)}${off}`
          const expected = Math.floor(ms / 1000) * 1000 + Math.floor(micros / 1000)
          expect(parseTimestamptz(text).getTime()).toBe(expected)
        }
      )
    )
  })
})
