import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { seededRandom } from "@leasehold/core/testing"
import { setupStore, type TestStore } from "./testing/index.ts"
import { parseTimestamptz } from "./parseTimestamptz.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore({ max: 1 })
})
afterAll(async () => {
  await t?.close()
})

/** Zones with odd offsets: half hours, 45 minutes, negative, and second-level LMT offsets before 1900. */
const ZONES = ["UTC", "America/New_York", "Asia/Kolkata", "Asia/Kathmandu", "Pacific/Chatham", "America/St_Johns", "Europe/Amsterdam", "Africa/Monrovia"]

describe("parseTimestamptz against PostgreSQL's own text output", () => {
  it("reads back the instant PostgreSQL printed, in every session time zone (random instants 1850..2100, microseconds)", async () => {
    const random = seededRandom("parseTimestamptz instants")
    const lo = Date.UTC(1850, 0, 1) * 1000
    const hi = Date.UTC(2100, 0, 1) * 1000
    const micros = Array.from({ length: 300 }, () => String(Math.floor(lo + random() * (hi - lo))))
    const mismatches: Array<string> = []
    for (const zone of ZONES) {
      const rows = await t.sql.begin(async (tx) => {
        await tx`select set_config('TimeZone', ${zone}, true)`
        return tx<{ us: string; text: string }[]>`
          select u::text as us, (timestamptz 'epoch' + make_interval(secs => 0) + (u || ' microseconds')::interval)::text as text
          from unnest(${micros}::int8[]) as u`
      })
      expect(rows).toHaveLength(micros.length)
      for (const r of rows) {
        const expected = Math.floor(Number(r.us) / 1000)
        const got = parseTimestamptz(r.text).getTime()
        if (got !== expected) mismatches.push(`${zone}: "${r.text}" parsed as ${got}, PostgreSQL's instant is ${expected}`)
      }
    }
    expect(mismatches).toEqual([])
  })
})
