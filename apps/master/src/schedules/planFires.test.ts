import { describe, expect, it } from "vitest"
import type { ScheduleRow } from "@leasehold/store-postgres/schedules"
import { firstTickAtOrAfter, nextTicks, parseCron, previousTicks } from "./cronSpec.ts"
import { MISFIRE_GRACE_MS, planFires } from "./planFires.ts"

const row = (over: Partial<ScheduleRow>): ScheduleRow => ({
  name: "s",
  cron: "* * * * *",
  timezone: "UTC",
  queue: "default",
  type: "t",
  payload: null,
  max_attempts: 3,
  enabled: true,
  misfire_policy: "skip",
  backfill_limit: 10,
  next_run_at: null,
  last_run_at: null,
  created_at: new Date(0),
  updated_at: new Date(0),
  ...over
})
const iso = (ds: ReadonlyArray<Date>) => ds.map((d) => d.toISOString())
const ticks = (p: ReturnType<typeof planFires>) => p.fires.map((f) => f.tickAt.toISOString())

describe("parseCron", () => {
  it("accepts 5 fields (minute first) and 6 fields (second first)", () => {
    expect(iso(nextTicks(parseCron("*/15 * * * *", "UTC"), new Date("2026-01-01T00:00:00Z"), 2))).toEqual([
      "2026-01-01T00:15:00.000Z",
      "2026-01-01T00:30:00.000Z"
    ])
    expect(iso(nextTicks(parseCron("*/20 * * * * *", "UTC"), new Date("2026-01-01T00:00:00Z"), 2))).toEqual([
      "2026-01-01T00:00:20.000Z",
      "2026-01-01T00:00:40.000Z"
    ])
  })
  it.each([
    ["* * * *", /5 or 6 fields/],
    ["0 0 0 1 1 * 2030", /5 or 6 fields/],
    ["@daily", /5 or 6 fields/],
    ["61 * * * *", /invalid cron/],
    ["* * * * * * *", /5 or 6 fields/],
    ["0 0 30 2 *", /never fires/],
    ["a b c d e", /invalid cron/]
  ])("rejects %s", (expression, message) => {
    expect(() => parseCron(expression, "UTC")).toThrow(message)
  })
  it("rejects unknown time zones and canonicalises known ones", () => {
    expect(() => parseCron("* * * * *", "Mars/Olympus_Mons")).toThrow(/unknown time zone/)
    expect(() => parseCron("* * * * *", "+01:00")).toThrow()
    expect(parseCron("* * * * *", "europe/berlin").timezone).toBe("Europe/Berlin")
  })
  it("finds the first tick at or after an instant and the ticks before one", () => {
    const spec = parseCron("* * * * *", "UTC")
    expect(firstTickAtOrAfter(spec, new Date("2026-01-01T00:01:00Z"))?.toISOString()).toBe("2026-01-01T00:01:00.000Z")
    expect(firstTickAtOrAfter(spec, new Date("2026-01-01T00:01:00.001Z"))?.toISOString()).toBe("2026-01-01T00:02:00.000Z")
    expect(iso(previousTicks(spec, new Date("2026-01-01T00:03:00Z"), 2))).toEqual([
      "2026-01-01T00:02:00.000Z",
      "2026-01-01T00:01:00.000Z"
    ])
  })
})

describe("daylight saving time in Europe/Berlin", () => {
  it("fires 02:30 once on the spring-forward day, at 03:00 local (the first valid time)", () => {
    const spec = parseCron("30 2 * * *", "Europe/Berlin")
    expect(iso(nextTicks(spec, new Date("2026-03-27T12:00:00Z"), 3))).toEqual([
      "2026-03-28T01:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-30T00:30:00.000Z"
    ])
  })
  it("fires 02:30 once on the fall-back day (the first pass), not twice", () => {
    const spec = parseCron("30 2 * * *", "Europe/Berlin")
    expect(iso(nextTicks(spec, new Date("2026-10-23T12:00:00Z"), 3))).toEqual([
      "2026-10-24T00:30:00.000Z",
      "2026-10-25T00:30:00.000Z",
      "2026-10-26T01:30:00.000Z"
    ])
  })
  it("keeps interval schedules on real time across both transitions", () => {
    const spec = parseCron("*/30 * * * *", "Europe/Berlin")
    expect(iso(nextTicks(spec, new Date("2026-10-25T00:00:00Z"), 4))).toEqual([
      "2026-10-25T00:30:00.000Z",
      "2026-10-25T01:00:00.000Z",
      "2026-10-25T01:30:00.000Z",
      "2026-10-25T02:00:00.000Z"
    ])
    expect(iso(nextTicks(spec, new Date("2026-03-29T00:00:00Z"), 4))).toEqual([
      "2026-03-29T00:30:00.000Z",
      "2026-03-29T01:00:00.000Z",
      "2026-03-29T01:30:00.000Z",
      "2026-03-29T02:00:00.000Z"
    ])
  })
})

describe("planFires", () => {
  const T = new Date("2026-05-01T10:00:00Z")
  const after = (ms: number) => new Date(T.getTime() + ms)

  it("fires a tick that is due now and moves next_run_at past now", () => {
    const plan = planFires(row({ next_run_at: T }), after(400))
    expect(ticks(plan)).toEqual(["2026-05-01T10:00:00.000Z"])
    expect(plan.nextRunAt?.toISOString()).toBe("2026-05-01T10:01:00.000Z")
  })
  it("fires every tick within the grace period, whatever the policy", () => {
    const plan = planFires(row({ cron: "*/10 * * * * *", next_run_at: T }), after(35_000))
    expect(ticks(plan)).toHaveLength(4)
    expect(plan.fires.every((f) => f.missedTicks === 0)).toBe(true)
  })
  const down = after(32 * 60_000)
  const every5 = { cron: "*/5 * * * *", next_run_at: T }
  it("fires a tick exactly the grace period late as on time; one millisecond later it is missed", () => {
    const lastOnTime = planFires(row({ ...every5, misfire_policy: "skip" }), after(MISFIRE_GRACE_MS))
    expect(lastOnTime.fires).toEqual([{ tickAt: T, missedTicks: 0 }])
    const firstMissed = planFires(row({ ...every5, misfire_policy: "skip" }), after(MISFIRE_GRACE_MS + 1))
    expect(firstMissed.fires).toEqual([])
    expect(firstMissed.nextRunAt?.toISOString()).toBe("2026-05-01T10:05:00.000Z")
    const onceMissed = planFires(row({ ...every5, misfire_policy: "fire_once" }), after(MISFIRE_GRACE_MS + 1000))
    expect(onceMissed.fires).toEqual([{ tickAt: T, missedTicks: 1 }])
  })
  it("skip: drops every missed tick", () => {
    const plan = planFires(row({ ...every5, misfire_policy: "skip" }), down)
    expect(plan.fires).toEqual([])
    expect(plan.nextRunAt?.toISOString()).toBe("2026-05-01T10:35:00.000Z")
  })
  it("fire_once: one fire for all missed ticks, keyed by the latest, counting them", () => {
    const plan = planFires(row({ ...every5, misfire_policy: "fire_once" }), down)
    expect(plan.fires).toEqual([{ tickAt: new Date("2026-05-01T10:30:00Z"), missedTicks: 7 }])
  })
  it("backfill: the latest backfill_limit missed ticks, oldest first", () => {
    const plan = planFires(row({ ...every5, misfire_policy: "backfill", backfill_limit: 3 }), down)
    expect(ticks(plan)).toEqual(["2026-05-01T10:20:00.000Z", "2026-05-01T10:25:00.000Z", "2026-05-01T10:30:00.000Z"])
  })
  it("backfill never reaches before next_run_at", () => {
    const plan = planFires(row({ ...every5, misfire_policy: "backfill", backfill_limit: 50 }), down)
    expect(plan.fires).toHaveLength(7)
    expect(plan.fires[0]?.tickAt).toEqual(T)
  })
})
