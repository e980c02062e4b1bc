process.env.TZ = "Asia/Kolkata"

import { Effect } from "effect"
import type postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { StoreError } from "@leasehold/core"
import { connect } from "./connect.ts"
import { makePgJobStore } from "./PgJobStore.ts"
import { setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
let ny: postgres.Sql
beforeAll(async () => {
  t = await setupStore()
  ny = connect(t.url, { max: 2, connection: { TimeZone: "America/New_York" } })
})
afterAll(async () => {
  await ny?.end()
  await t?.close()
})

const go = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(e)
const Z = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}Z$/

describe("time zones", () => {
  it("runs in a non-UTC process and session", async () => {
    expect(new Date("2030-06-01T00:00:00Z").getTimezoneOffset()).toBe(-330)
    const [row] = await ny<{ tz: string }[]>`select current_setting('TimeZone') as tz`
    expect(row?.tz).toBe("America/New_York")
  })

  it("stores, computes and serializes every timestamp in UTC", async () => {
    const store = makePgJobStore({ sql: ny })
    const now = new Date("2030-03-10T06:59:30.000Z") // 30 s before New York springs forward
    const runAt = new Date("2030-03-10T07:00:00.000Z")
    const { job: scheduled } = await go(store.jobEnqueue({ job: { type: "t", queue: "tz", runAt }, now }))
    expect(scheduled.run_at).toBe("2030-03-10T07:00:00.000Z")
    expect(scheduled.created_at).toBe(now.toISOString())
    const { job: delayed } = await go(store.jobEnqueue({ job: { type: "t", queue: "tz", delayMs: 3_600_000 }, now }))
    expect(delayed.run_at).toBe("2030-03-10T07:59:30.000Z")
    const [check] = await ny<{ same: boolean; epoch: number }[]>`
      select run_at = '2030-03-10 02:59:30-05'::timestamptz as same,
             extract(epoch from run_at)::float8 as epoch
      from jobs where id = ${delayed.id}`
    expect(check).toEqual({ same: true, epoch: Date.parse("2030-03-10T07:59:30.000Z") / 1000 })

    const leaseAt = new Date("2030-03-10T08:00:00.000Z")
    const leased = await go(store.jobLeaseAcquire({ workerId: "w", queues: ["tz"], maxJobs: 5, leaseSeconds: 7200, now: leaseAt }))
    expect(leased.map((j) => j.id)).toEqual([scheduled.id, delayed.id])
    const first = leased[0]!
    expect(first.lease_expires_at).toBe("2030-03-10T10:00:00.000Z")
    expect(first.renew_after).toBe("2030-03-10T09:00:00.000Z")
    const failAt = new Date("2030-03-10T08:30:00.000Z")
    const failed = await go(
      store.jobFailIfLeased({ id: first.id, workerId: "w", leaseToken: first.lease_token, error: { message: "boom" }, retryInMs: 60_000, now: failAt })
    )
    expect(failed.errors).toEqual([{ attempt: 1, message: "boom", at: "2030-03-10T08:30:00.000Z" }])
    expect(failed.run_at).toBe("2030-03-10T08:31:00.000Z")
    const second = leased[1]!
    const done = await go(store.jobCompleteIfLeased({ id: second.id, workerId: "w", leaseToken: second.lease_token, now: failAt }))
    expect(done.completed_at).toBe("2030-03-10T08:30:00.000Z")
    for (const j of [scheduled, delayed, failed, done]) {
      for (const v of [j.run_at, j.created_at, j.updated_at]) expect(v).toMatch(Z)
    }
  })

  it("uses the database clock in UTC when no time is injected", async () => {
    const store = makePgJobStore({ sql: ny })
    const { job } = await go(store.jobEnqueue({ job: { type: "t", queue: "tz-now" } }))
    expect(job.created_at).toMatch(Z)
    expect(Math.abs(Date.parse(job.created_at) - Date.now())).toBeLessThan(60_000)
  })
})
