import { Effect } from "effect"
import { seededRandom } from "@leasehold/core/testing"
import { afterAll, beforeAll, beforeEach, describe, expect, it } from "vitest"
import type { Job } from "@leasehold/contracts"
import { storeError, type JobStoreShape } from "@leasehold/core"
import { connect } from "@leasehold/store-postgres"
import { fireList, scheduleGet, scheduleInsert, type ScheduleFields } from "@leasehold/store-postgres/schedules"
import { makeSchedules } from "./index.ts"
import { makeScheduler } from "./Scheduler.ts"
import { nextTickAfter, parseCron } from "./cronSpec.ts"
import { makeClock, makeTestLogger, openSchedulesTestDb, type SchedulesTestDb } from "./schedulesTestHarness.ts"

let t: SchedulesTestDb
beforeAll(async () => {
  t = await openSchedulesTestDb()
})
afterAll(async () => {
  await t.close()
})
beforeEach(async () => {
  await t.sql`DELETE FROM schedules`
})

const create = async (name: string, over: Partial<ScheduleFields>, now: Date) => {
  const base = { cron: "* * * * *", timezone: "UTC", ...over }
  const spec = parseCron(base.cron, base.timezone)
  const fields: ScheduleFields = {
    queue: name,
    type: "tick",
    payload: { schedule: name },
    max_attempts: 3,
    enabled: true,
    misfire_policy: "skip",
    backfill_limit: 10,
    ...over,
    cron: spec.expression,
    timezone: spec.timezone,
    next_run_at: over.enabled === false ? null : nextTickAfter(spec, now)
  }
  await scheduleInsert(t.sql, { name, fields, now })
}

const jobsIn = async (queue: string): Promise<ReadonlyArray<Job>> => {
  const out: Array<Job> = []
  let cursor: string | undefined
  for (;;) {
    const page = await Effect.runPromise(t.store.jobList({ queue, limit: 500, cursor }))
    out.push(...page.jobs)
    if (page.next_cursor === null) return out
    cursor = page.next_cursor
  }
}
const keysIn = async (queue: string) => (await jobsIn(queue)).map((j) => j.idempotency_key).sort()
const key = (name: string, iso: string) => `schedule:${name}:${iso}`

const scheduler = (clock: ReturnType<typeof makeClock>, sql = t.sql) => {
  const logger = makeTestLogger()
  return { ...makeScheduler({ sql, store: t.store, log: logger.log, now: clock.now, tickIntervalMs: 5 }), problems: logger.problems }
}

describe("exactly one job per tick", () => {
  it("with three masters running passes concurrently over many ticks", async () => {
    const T0 = new Date("2026-06-01T00:00:00Z")
    const clock = makeClock(T0)
    await create("every-second", { cron: "* * * * * *" }, T0)
    await create("every-3s", { cron: "*/3 * * * * *" }, T0)
    const masters = [0, 1, 2].map(() => scheduler(clock, t.pool()))
    const STEPS = 150
    for (let i = 0; i < STEPS; i++) {
      clock.advance(i % 7 === 0 ? 2500 : 1000)
      await Promise.all(masters.flatMap((m) => [m.runOnce(), m.runOnce()]))
    }
    const end = clock.now()
    const expectedSeconds = Math.floor((end.getTime() - T0.getTime()) / 1000)
    const fires = await fireList(t.sql, { schedule: "every-second" })
    expect(fires).toHaveLength(expectedSeconds)
    expect(new Set(fires.map((f) => f.tick_at.getTime())).size).toBe(expectedSeconds)
    expect(fires.every((f) => f.job_id !== null)).toBe(true)
    const keys = await keysIn("every-second")
    expect(keys).toHaveLength(expectedSeconds)
    expect(keys).toEqual(fires.map((f) => f.idempotency_key).sort())
    expect(await keysIn("every-3s")).toHaveLength(Math.floor(expectedSeconds / 3))
    expect(masters.flatMap((m) => m.problems)).toEqual([])
  })

  it("with three masters whose clocks disagree by up to two seconds", async () => {
    const T0 = new Date("2026-06-03T00:00:00Z")
    const clock = makeClock(T0)
    await create("skewed", { cron: "* * * * * *" }, T0)
    const offsets = [-1200, 0, 800]
    const masters = offsets.map((offset) =>
      makeScheduler({
        sql: t.pool(),
        store: t.store,
        log: makeTestLogger().log,
        now: () => new Date(clock.now().getTime() + offset),
        tickIntervalMs: 5
      })
    )
    const shuffle = seededRandom("Scheduler skewed masters' order")
    for (let i = 0; i < 120; i++) {
      clock.advance(300 + ((i * 7919) % 900))
      const order = [...masters].sort(() => shuffle() - 0.5)
      await Promise.all(order.map((m) => m.runOnce()))
    }
    clock.advance(1300)
    await Promise.all(masters.map((m) => m.runOnce()))
    const last = Math.floor((clock.now().getTime() - 1200 - T0.getTime()) / 1000)
    const keys = await keysIn("skewed")
    expect(keys).toHaveLength(new Set(keys).size)
    for (let s = 1; s <= last; s++) expect(keys).toContain(key("skewed", new Date(T0.getTime() + s * 1000).toISOString().replace(".000Z", "Z")))
    expect((await fireList(t.sql, { schedule: "skewed" })).length).toBe(keys.length)
  })

  it("with three masters running their real loops while time moves", async () => {
    const T0 = new Date("2026-06-02T00:00:00Z")
    const clock = makeClock(T0)
    await create("loop", { cron: "*/2 * * * * *" }, T0)
    const logger = makeTestLogger()
    const masters = [0, 1, 2].map(() =>
      makeSchedules({ sql: t.pool(), store: t.store, log: logger.log, now: clock.now, tickIntervalMs: 2 })
    )
    masters.forEach((m) => m.start())
    try {
      for (let tick = 1; tick <= 40; tick++) {
        clock.set(new Date(T0.getTime() + tick * 2000 + 100))
        const deadline = Date.now() + 10_000
        while ((await keysIn("loop")).length < tick) {
          if (Date.now() > deadline) throw new Error(`tick ${tick} never fired`)
          await new Promise((r) => setTimeout(r, 5))
        }
      }
    } finally {
      await Promise.all(masters.map((m) => m.stop()))
    }
    const keys = await keysIn("loop")
    expect(keys).toHaveLength(40)
    expect(keys).toContain(key("loop", "2026-06-02T00:00:02Z"))
    expect(keys).toContain(key("loop", "2026-06-02T00:01:20Z"))
    expect(logger.problems).toEqual([])
  })
})

describe("misfire policies after the masters were down", () => {
  const T0 = new Date("2026-07-01T00:00:00Z")
  const downUntil = new Date("2026-07-01T00:32:00Z")

  it.each([
    ["skip", [] as Array<string>],
    ["fire_once", ["2026-07-01T00:30:00Z"]],
    ["backfill", ["2026-07-01T00:20:00Z", "2026-07-01T00:25:00Z", "2026-07-01T00:30:00Z"]]
  ] as const)("%s", async (policy, missedKeys) => {
    const name = `misfire-${policy}`
    const clock = makeClock(T0)
    await create(name, { cron: "*/5 * * * *", misfire_policy: policy, backfill_limit: 3 }, T0)
    const m = scheduler(clock)
    clock.set(downUntil)
    await m.runOnce()
    expect(await keysIn(name)).toEqual(missedKeys.map((iso) => key(name, iso)))
    const row = await scheduleGet(t.sql, { name })
    expect(row.next_run_at?.toISOString()).toBe("2026-07-01T00:35:00.000Z")
    if (policy === "fire_once") expect((await fireList(t.sql, { schedule: name }))[0]?.missed_ticks).toBe(6)
    clock.set(new Date("2026-07-01T00:35:00.200Z"))
    await m.runOnce()
    await m.runOnce()
    expect(await keysIn(name)).toEqual([...missedKeys, "2026-07-01T00:35:00Z"].map((iso) => key(name, iso)))
    expect(m.problems).toEqual([])
  })

  it("a tick a few seconds late (a master restart) still fires under skip", async () => {
    const clock = makeClock(T0)
    await create("late-skip", { cron: "0 * * * *" }, T0)
    const m = scheduler(clock)
    clock.set(new Date("2026-07-01T01:00:20Z"))
    await m.runOnce()
    expect(await keysIn("late-skip")).toEqual([key("late-skip", "2026-07-01T01:00:00Z")])
  })
})

describe("daylight saving time in Europe/Berlin", () => {
  const runAcross = async (name: string, cron: string, from: string, to: string) => {
    const clock = makeClock(new Date(from))
    await create(name, { cron, timezone: "Europe/Berlin" }, clock.now())
    const masters = [scheduler(clock, t.pool()), scheduler(clock, t.pool())]
    while (clock.now() < new Date(to)) {
      clock.advance(5 * 60_000)
      await Promise.all(masters.map((m) => m.runOnce()))
    }
    return (await jobsIn(name)).map((j) => j.idempotency_key)
  }

  it("spring forward: 30 2 * * * fires once on 29 March 2026, at 03:00 local", async () => {
    expect((await runAcross("dst-spring", "30 2 * * *", "2026-03-27T12:00:00Z", "2026-03-31T12:00:00Z")).sort()).toEqual(
      ["2026-03-28T01:30:00Z", "2026-03-29T01:00:00Z", "2026-03-30T00:30:00Z", "2026-03-31T00:30:00Z"].map((iso) =>
        key("dst-spring", iso)
      )
    )
  })

  it("fall back: 30 2 * * * fires once on 25 October 2026, not on both passes of 02:30", async () => {
    expect((await runAcross("dst-fall", "30 2 * * *", "2026-10-23T12:00:00Z", "2026-10-27T12:00:00Z")).sort()).toEqual(
      ["2026-10-24T00:30:00Z", "2026-10-25T00:30:00Z", "2026-10-26T01:30:00Z", "2026-10-27T01:30:00Z"].map((iso) =>
        key("dst-fall", iso)
      )
    )
  })

  it("fall back: an every-30-minutes schedule fires on both passes (every real half hour)", async () => {
    const keys = await runAcross("dst-fall-30", "*/30 * * * *", "2026-10-24T23:45:00Z", "2026-10-25T03:10:00Z")
    expect(keys.sort()).toEqual(
      ["00:00", "00:30", "01:00", "01:30", "02:00", "02:30", "03:00"].map((hm) => key("dst-fall-30", `2026-10-25T${hm}:00Z`))
    )
  })
})

describe("pause and resume", () => {
  it("a disabled schedule fires nothing", async () => {
    const T0 = new Date("2026-08-01T00:00:00Z")
    const clock = makeClock(T0)
    const m = scheduler(clock)
    await create("paused", { cron: "*/10 * * * * *", enabled: false }, T0)
    for (let i = 0; i < 10; i++) {
      clock.advance(10_000)
      await m.runOnce()
    }
    expect(await keysIn("paused")).toEqual([])
    expect((await scheduleGet(t.sql, { name: "paused" })).next_run_at).toBeNull()
  })
})

describe("ledger retention", () => {
  it("prunes ledger rows a week after their tick, keeping their jobs", async () => {
    const T0 = new Date("2026-08-10T00:00:00Z")
    const clock = makeClock(T0)
    await create("retained", { cron: "0 * * * *" }, T0)
    const m = scheduler(clock)
    for (let h = 1; h <= 3; h++) {
      clock.set(new Date(T0.getTime() + h * 3_600_000 + 1000))
      await m.runOnce()
    }
    expect(await fireList(t.sql, { schedule: "retained" })).toHaveLength(3)
    clock.set(new Date(T0.getTime() + 7 * 86_400_000 + 2 * 3_600_000 + 2000))
    await m.runOnce()
    const left = (await fireList(t.sql, { schedule: "retained" })).map((f) => f.tick_at.toISOString())
    expect(left).toEqual(["2026-08-10T03:00:00.000Z", "2026-08-17T02:00:00.000Z"])
    expect(await keysIn("retained")).toHaveLength(4)
  })
})

describe("database outage", () => {
  it("after its connections were killed and the pool reconnected, the next pass fires the missed tick", async () => {
    const T0 = new Date("2026-08-20T00:00:00Z")
    const clock = makeClock(T0)
    await create("outage", { cron: "* * * * * *" }, T0)
    const pool = connect(t.db.url, { max: 2, application: "scheduler-outage-test" })
    const m = makeScheduler({ sql: pool, store: t.store, log: makeTestLogger().log, now: clock.now, tickIntervalMs: 5 })
    try {
      clock.advance(1100)
      await m.runOnce()
      const killed = await t.sql`
        SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE application_name = 'scheduler-outage-test'`
      expect(killed.length).toBeGreaterThan(0)
      const deadline = Date.now() + 10_000
      while (!(await pool`SELECT 1`.then(() => true, () => false))) {
        if (Date.now() > deadline) throw new Error("the pool never reconnected")
      }
      clock.advance(1000)
      await m.runOnce()
    } finally {
      await pool.end({ timeout: 1 })
    }
    expect(await keysIn("outage")).toEqual(["01", "02"].map((s) => key("outage", `2026-08-20T00:00:${s}Z`)))
  })

  it("stop() does not wait forever for a pass that hangs", async () => {
    const T0 = new Date("2026-08-21T00:00:00Z")
    const clock = makeClock(T0)
    await create("hung", { cron: "* * * * * *" }, T0)
    const logger = makeTestLogger()
    let entered: () => void = () => {}
    const enteredEnqueue = new Promise<void>((resolve) => (entered = resolve))
    let release: () => void = () => {}
    const released = new Promise<void>((resolve) => (release = resolve))
    const hangingStore: JobStoreShape = {
      ...t.store,
      jobEnqueueMany: () =>
        Effect.tryPromise({
          try: async () => {
            entered()
            await released
            throw new Error("released")
          },
          catch: () => storeError("Unavailable", "released")
        })
    }
    const m = makeScheduler({ sql: t.pool(), store: hangingStore, log: logger.log, now: clock.now, tickIntervalMs: 5, stopWaitMs: 200 })
    clock.advance(1100)
    m.start()
    await enteredEnqueue
    await m.stop()
    release()
    expect(logger.problems).toEqual([expect.stringContaining("scheduler stopped while a pass was still running")])
  })
})
