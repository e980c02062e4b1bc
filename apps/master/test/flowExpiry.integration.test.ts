import type postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { connect } from "@leasehold/store-postgres"
import { maxSampler } from "@leasehold/store-postgres/testing"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import type { WakeReason } from "../src/longPoll/LeaseWaiters.ts"
import { eventually, setupMaster, uniqueQueue, type Call, type MasterFixture } from "./harness.ts"

/**
 * SPEC: a long-poll held back by a full limit wakes within 1 s when room frees by an expiry. No fallback
 * re-poll within these waits (an hour), so only the store's hint (or the sweeper's NOTIFY) can answer a
 * held-back long-poll before its wait runs out; a wait that ran out would still find the job on its last
 * attempt, so the tests assert that no wait ended by timeout, never how long anything took.
 */
const NO_REPOLL = { leaseRepollMs: 3_600_000 }
/** Generous: the first lease expires after 1 s. */
const WAIT_MS = 10_000

let db: TestDatabase
/** Two masters on one database, no sweeper: an expired lease is found only by the lease statement. */
let a: MasterFixture
let b: MasterFixture
/** A master on a database of its own whose sweeper runs every 100 ms. */
let swept: MasterFixture
let sql: postgres.Sql
beforeAll(async () => {
  db = await createTestDatabase("lh_flow_expiry")
  a = await setupMaster({ ...NO_REPOLL, sweepIntervalMs: 3_600_000 }, { db })
  b = await setupMaster({ ...NO_REPOLL, sweepIntervalMs: 3_600_000 }, { db })
  swept = await setupMaster({ ...NO_REPOLL, sweepIntervalMs: 100 })
  sql = connect(db.url, { max: 1 })
})
afterAll(async () => {
  await sql?.end({ timeout: 5 })
  await a?.close()
  await b?.close()
  await swept?.close()
  await db?.drop()
})

const api = (call: Call, method: string, path: string, body?: unknown) => call(method, API_BASE + path, body)

/** Live leases of the queue (processing, expiry not passed), read from `on`'s database. */
const liveLeases = (on: postgres.Sql, queue: string) => async () =>
  (await on<{ n: number }[]>`select count(*)::int as n from jobs
    where queue = ${queue} and status = 'processing' and lease_expires_at >= clock_timestamp()`)[0]!.n

/**
 * max_concurrency 1, two jobs; the first leased through `holder` for 1 s and never acked; a long-poll
 * through `poller` is held back until that lease expires. Returns what the long-poll answered, the wakes
 * of `poller`'s waits meanwhile, and the most live leases seen.
 */
const heldBackUntilExpiry = async (holder: MasterFixture, poller: MasterFixture, on: postgres.Sql, firstMaxAttempts: number) => {
  const q = uniqueQueue("mcx")
  expect((await api(holder.http, "PATCH", `/queues/${q}`, { max_concurrency: 1 })).status).toBe(200)
  const first = (await api(holder.http, "POST", "/jobs", { type: "t", queue: q, max_attempts: firstMaxAttempts })).body.job
  const second = (await api(holder.http, "POST", "/jobs", { type: "t", queue: q })).body.job
  const held = await api(holder.http, "POST", "/jobs/lease", { worker_id: "crashed", queues: [q], max_jobs: 10, lease_seconds: 1 })
  expect(held.body.jobs.map((j: any) => j.id)).toEqual([first.id])
  const live = maxSampler(liveLeases(on, q))
  const before = poller.master.longPollWakes()
  const waiting = api(poller.http, "POST", "/jobs/lease", { worker_id: "lp", queues: [q], max_jobs: 10, lease_seconds: 60, wait_ms: WAIT_MS })
  // Held back while the first lease is live: its first attempt leased nothing and it waits.
  await eventually(async () => poller.master.waitingOn(q) > 0)
  const answer = await waiting
  const after = poller.master.longPollWakes()
  const seen = await live.stop()
  const wakes = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as WakeReason]])) as Record<WakeReason, number>
  return { answer, wakes, seen, first, second }
}

describe("a long-poll held back by a full max_concurrency, freed by an expiry (two masters)", () => {
  it("the expired lease has attempts left: the long-poll re-leases that job before its wait runs out", async () => {
    const r = await heldBackUntilExpiry(b, a, sql, 3)
    expect(r.answer.status).toBe(200)
    expect(r.answer.body.jobs.map((j: any) => [j.id, j.attempts, j.worker_id])).toEqual([[r.first.id, 2, "lp"]])
    expect(r.wakes.timeout).toBe(0)
    expect(r.seen.samples).toBeGreaterThan(0)
    expect(r.seen.max).toBe(1)
  })

  it("the expired lease has no attempts left: its room goes to the pending job before the wait runs out", async () => {
    const r = await heldBackUntilExpiry(b, a, sql, 1)
    expect(r.answer.status).toBe(200)
    expect(r.answer.body.jobs.map((j: any) => [j.id, j.attempts, j.worker_id])).toEqual([[r.second.id, 1, "lp"]])
    expect(r.wakes.timeout).toBe(0)
    expect(r.seen.max).toBe(1)
  })
})

describe("a long-poll held back by a full max_concurrency, freed by the sweeper", () => {
  it("the sweeper moves the expired lease to retrying: the long-poll gets one job before its wait runs out", async () => {
    const on = connect(swept.db.url, { max: 1 })
    try {
      const r = await heldBackUntilExpiry(swept, swept, on, 3)
      expect(r.answer.status).toBe(200)
      // The pending job, or the first one again if the long-poll's lease took the expired lease before the sweep.
      expect(r.answer.body.jobs).toHaveLength(1)
      expect([r.first.id, r.second.id]).toContain(r.answer.body.jobs[0].id)
      expect(r.wakes.timeout).toBe(0)
      expect(r.seen.max).toBe(1)
    } finally {
      await on.end({ timeout: 5 })
    }
  })
})
