import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { migrate } from "../migrate.ts"
import {
  fireEnqueuePending,
  fireList,
  firePruneEnqueued,
  scheduleDelete,
  scheduleFireDue,
  scheduleGet,
  scheduleInsert,
  scheduleList,
  scheduleToWire,
  scheduleUpdateWith,
  type FireRow,
  type ScheduleFields,
  type ScheduleRow
} from "./index.ts"

let db: TestDatabase
let sql: postgres.Sql

beforeAll(async () => {
  db = await createTestDatabase("lh_sched_store")
  sql = postgres(db.url, { max: 4, onnotice: () => {} })
  await migrate(sql)
})
afterAll(async () => {
  await sql.end()
  await db.drop()
})

const T0 = new Date("2026-05-01T10:00:00Z")
const MINUTE = 60_000
const at = (ms: number) => new Date(T0.getTime() + ms)

const fields = (over: Partial<ScheduleFields> = {}): ScheduleFields => ({
  cron: "* * * * *",
  timezone: "UTC",
  queue: "default",
  type: "tick",
  payload: { hello: "world" },
  max_attempts: 3,
  enabled: true,
  misfire_policy: "skip",
  backfill_limit: 10,
  next_run_at: T0,
  ...over
})

/** A minute-aligned plan that fires every due tick (the cron logic lives in the master). */
const everyMinute = (now: Date) => (row: ScheduleRow) => {
  const fires = []
  let t = (row.next_run_at as Date).getTime()
  for (; t <= now.getTime(); t += MINUTE) fires.push({ tickAt: new Date(t), missedTicks: 0 })
  return { fires, nextRunAt: new Date(t) }
}

const setup = async (prefix: string, count = 1, over: Partial<ScheduleFields> = {}) => {
  const names = Array.from({ length: count }, (_, i) => `${prefix}-${i}`)
  for (const name of names) await scheduleInsert(sql, { name, fields: fields(over), now: T0 })
  return names
}

describe("schedule rows", () => {
  it("inserts, reads, lists, updates and deletes", async () => {
    const [name] = await setup("crud")
    const row = await scheduleGet(sql, { name: name! })
    expect(scheduleToWire(row)).toMatchObject({
      name,
      payload: { hello: "world" },
      next_run_at: "2026-05-01T10:00:00Z",
      last_run_at: null,
      created_at: "2026-05-01T10:00:00.000Z"
    })
    expect((await scheduleList(sql)).map((r) => r.name)).toContain(name)
    const later = at(5 * MINUTE)
    const updated = await scheduleUpdateWith(sql, {
      name: name!,
      now: later,
      change: (current) => ({ ...current, enabled: false, next_run_at: null, payload: "plain string" })
    })
    expect(updated).toMatchObject({ enabled: false, next_run_at: null, payload: "plain string", updated_at: later })
    await scheduleDelete(sql, { name: name! })
    await expect(scheduleGet(sql, { name: name! })).rejects.toMatchObject({ _tag: "StoreError", reason: "NotFound" })
    await expect(scheduleDelete(sql, { name: name! })).rejects.toMatchObject({ reason: "NotFound" })
  })

  it("refuses a duplicate name with Conflict and a paused schedule with a next run with Validation", async () => {
    const [name] = await setup("dup")
    await expect(scheduleInsert(sql, { name: name!, fields: fields(), now: T0 })).rejects.toMatchObject({ reason: "Conflict" })
    await expect(
      scheduleInsert(sql, { name: "paused-with-next", fields: fields({ enabled: false }), now: T0 })
    ).rejects.toMatchObject({ reason: "Validation" })
    await expect(
      scheduleUpdateWith(sql, { name: "nope", now: T0, change: (c) => c })
    ).rejects.toMatchObject({ reason: "NotFound" })
  })

  it("keeps a JSON null payload as null", async () => {
    await scheduleInsert(sql, { name: "null-payload", fields: fields({ payload: null }), now: T0 })
    expect(scheduleToWire(await scheduleGet(sql, { name: "null-payload" })).payload).toBeNull()
  })
})

describe("fire ledger", () => {
  it("fires each tick exactly once with three masters claiming concurrently over many ticks", async () => {
    const names = await setup("race", 5, { next_run_at: at(0) })
    const pools = [0, 1, 2].map(() => postgres(db.url, { max: 2, onnotice: () => {} }))
    try {
      const ROUNDS = 40
      for (let round = 0; round < ROUNDS; round++) {
        const now = at(round * MINUTE + 500)
        const results = await Promise.all(
          pools.map((pool) => scheduleFireDue(pool, { now, limit: 2, plan: everyMinute(now) }))
        )
        for (let again = 0; again < 3 && results.some((r) => r.claimed === 2); again++) {
          results.push(...(await Promise.all(pools.map((pool) => scheduleFireDue(pool, { now, limit: 2, plan: everyMinute(now) })))))
        }
      }
      for (const name of names) {
        const ticks = (await fireList(sql, { schedule: name })).map((f) => f.tick_at.getTime())
        expect(ticks).toEqual(Array.from({ length: ROUNDS }, (_, i) => at(i * MINUTE).getTime()))
      }
      const row = await scheduleGet(sql, { name: names[0]! })
      expect(row.next_run_at).toEqual(at(ROUNDS * MINUTE))
      expect(row.last_run_at).toEqual(at((ROUNDS - 1) * MINUTE))
    } finally {
      await Promise.all(pools.map((p) => p.end()))
    }
  })

  it("never records a tick twice even when a plan repeats one", async () => {
    const [name] = await setup("repeat", 1, { next_run_at: at(0) })
    const plan = () => ({ fires: [{ tickAt: at(0), missedTicks: 0 }], nextRunAt: at(0) })
    const first = await scheduleFireDue(sql, { now: at(1000), limit: 10, plan })
    const second = await scheduleFireDue(sql, { now: at(1000), limit: 10, plan })
    expect(first.fired).toBe(1)
    expect(second.fired).toBe(0)
    expect(await fireList(sql, { schedule: name! })).toHaveLength(1)
  })

  it("drains the outbox exactly once across three concurrent drainers", async () => {
    await sql`DELETE FROM schedules`
    const [name] = await setup("drain", 1, { next_run_at: at(0) })
    const now = at(59 * MINUTE + 1)
    await scheduleFireDue(sql, { now, limit: 10, plan: everyMinute(now) })
    const pools = [0, 1, 2].map(() => postgres(db.url, { max: 2, onnotice: () => {} }))
    const handed: Array<string> = []
    try {
      const enqueue = async (fires: ReadonlyArray<FireRow>) => {
        handed.push(...fires.map((f) => f.idempotency_key))
        return fires.map((f) => f.tick_at.getTime() / 1000)
      }
      let total = 0
      for (let i = 0; i < 20 && total < 60; i++) {
        const counts = await Promise.all(pools.map((pool) => fireEnqueuePending(pool, { now, limit: 7, enqueue })))
        total += counts.reduce((a, b) => a + b, 0)
      }
      const fires = await fireList(sql, { schedule: name! })
      expect(fires).toHaveLength(60)
      expect(new Set(handed).size).toBe(60)
      expect(handed).toHaveLength(60)
      expect(fires.every((f) => f.job_id === f.tick_at.getTime() / 1000 && f.enqueued_at !== null)).toBe(true)
      expect(fires[0]!.idempotency_key).toBe(`schedule:${name}:2026-05-01T10:00:00Z`)
    } finally {
      await Promise.all(pools.map((p) => p.end()))
    }
  })

  it("leaves ledger rows pending when enqueueing fails, and deletes them with their schedule", async () => {
    const [name] = await setup("fail", 1, { next_run_at: at(0) })
    await scheduleFireDue(sql, { now: at(1000), limit: 10, plan: everyMinute(at(1000)) })
    const boom = async (): Promise<ReadonlyArray<number>> => {
      throw new Error("master down")
    }
    await expect(fireEnqueuePending(sql, { now: at(1000), limit: 100, enqueue: boom })).rejects.toMatchObject({ reason: "Internal" })
    expect((await fireList(sql, { schedule: name! }))[0]!.job_id).toBeNull()
    await scheduleDelete(sql, { name: name! })
    expect(await fireList(sql, { schedule: name! })).toHaveLength(0)
  })

  it("prunes enqueued ledger rows older than the retention, never pending ones", async () => {
    await sql`DELETE FROM schedules`
    const [name] = await setup("prune", 1, { next_run_at: at(0) })
    const now = at(9 * MINUTE + 1)
    await scheduleFireDue(sql, { now, limit: 10, plan: everyMinute(now) })
    await fireEnqueuePending(sql, { now, limit: 5, enqueue: async (fires) => fires.map((_, i) => i + 1) })
    expect(await firePruneEnqueued(sql, { before: at(3 * MINUTE), limit: 100 })).toBe(3)
    expect(await firePruneEnqueued(sql, { before: at(60 * MINUTE), limit: 1 })).toBe(1)
    const left = await fireList(sql, { schedule: name! })
    expect(left.map((f) => f.tick_at.getTime())).toEqual([4, 5, 6, 7, 8, 9].map((m) => at(m * MINUTE).getTime()))
    expect(left.filter((f) => f.job_id === null)).toHaveLength(5)
  })
})
