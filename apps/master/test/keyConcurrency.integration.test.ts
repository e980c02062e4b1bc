import { maxOverlapPerKey, seededRandom, type KeyInterval } from "@leasehold/core/testing"
import type postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { connect } from "@leasehold/store-postgres"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { eventually, setupMaster, uniqueQueue, type Call, type MasterFixture } from "./harness.ts"

/** No fallback re-poll within these tests' waits: only a NOTIFY or the store's hint wakes a long-poll. */
const NO_REPOLL = { leaseRepollMs: 3_600_000 }
const LEASERS = 32
/** 4,000 serialized leases over HTTP on a shared 2-core machine: a generous guard, not a timing claim. */
const DRAIN_TIMEOUT_MS = 600_000
let db: TestDatabase
let a: MasterFixture
let b: MasterFixture
let sql: postgres.Sql
beforeAll(async () => {
  db = await createTestDatabase("lh_keys")
  a = await setupMaster({ poolMax: 8, ...NO_REPOLL }, { db })
  b = await setupMaster({ poolMax: 8, ...NO_REPOLL }, { db })
  sql = connect(db.url, { max: 1 })
})
afterAll(async () => {
  await sql?.end({ timeout: 5 })
  await a?.close()
  await b?.close()
  await db?.drop()
})

const random = seededRandom("key leasers")
const rnd = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
const api = (call: Call, method: string, path: string, body?: unknown) => call(method, API_BASE + path, body)

/** keys x perKey jobs in a seeded random order, enqueued in batches of 1,000 through the given master. */
const enqueueKeyed = async (call: Call, queue: string, keys: number, perKey: number) => {
  const jobs = Array.from({ length: keys * perKey }, (_, i) => ({ type: "t", queue, concurrency_key: `customer-${i % keys}`, priority: rnd(0, 2) }))
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = rnd(0, i)
    ;[jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!]
  }
  for (let i = 0; i < jobs.length; i += 1000) {
    const r = await api(call, "POST", "/jobs/batch", { jobs: jobs.slice(i, i + 1000) })
    expect(r.status).toBe(201)
    expect(r.body.jobs[0].concurrency_key).toMatch(/^customer-/)
  }
}

/** Samples the most live leases one key of the queue holds, from the database, until stopped. */
const sampler = (queue: string) => {
  let stop = false
  let max = 0
  let samples = 0
  const done = (async () => {
    while (!stop) {
      const [r] = await sql<{ n: number }[]>`select coalesce(max(n), 0)::int as n from (
        select count(*) as n from jobs where queue = ${queue} and status = 'processing'
          and lease_expires_at >= clock_timestamp() and concurrency_key is not null group by concurrency_key) x`
      max = Math.max(max, r!.n)
      samples++
    }
  })()
  return async () => ((stop = true), await done, { max, samples })
}

/** LEASERS HTTP leasers, half on each master: each "handler" records [start, end] before its ack is sent. */
const drain = async (queue: string, total: number) => {
  const intervals: Array<KeyInterval> = []
  let done = 0
  const leaser = async (call: Call, worker: string) => {
    for (let calls = 0; done < total && calls < 50 * total; calls++) {
      const r = await api(call, "POST", "/jobs/lease", { worker_id: worker, queues: [queue], lease_seconds: 300, max_jobs: rnd(1, 10), wait_ms: 100 })
      expect(r.status).toBe(200)
      const jobs = r.body.jobs as Array<any>
      if (jobs.length === 0) continue
      await Promise.all(
        jobs.map(async (j) => {
          const start = performance.now()
          if (random() < 0.3) await new Promise((res) => setTimeout(res, rnd(0, 3)))
          intervals.push({ key: j.concurrency_key, start, end: performance.now() })
        })
      )
      const ack = await api(call, "POST", "/leases/ack", {
        worker_id: worker,
        items: jobs.map((j) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" }))
      })
      expect(ack.body.results.every((x: any) => x.ok)).toBe(true)
      done += jobs.length
    }
  }
  await Promise.all(Array.from({ length: LEASERS }, (_, i) => leaser(i % 2 === 0 ? a.http : b.http, `w${i}`)))
  return { done, intervals }
}

describe("key_concurrency over HTTP, two masters", () => {
  it(`key_concurrency 1: 200 keys x 20 jobs, ${LEASERS} leasers on two masters; no two jobs of one key overlap, every job completes`, async () => {
    const q = uniqueQueue("k1")
    expect((await api(a.http, "PATCH", `/queues/${q}`, { key_concurrency: 1 })).body.queue.key_concurrency).toBe(1)
    await enqueueKeyed(b.http, q, 200, 20)
    const stop = sampler(q)
    const { done, intervals } = await drain(q, 4000)
    const seen = await stop()
    expect(done).toBe(4000)
    expect(new Set(intervals.map((i) => i.key)).size).toBe(200)
    expect(maxOverlapPerKey(intervals)).toBe(1)
    expect(seen.samples).toBeGreaterThan(10)
    expect(seen.max).toBe(1)
    expect((await api(a.http, "GET", `/queues/${q}`)).body.queue.counts).toMatchObject({ completed: 4000, pending: 0, processing: 0, retrying: 0 })
  }, DRAIN_TIMEOUT_MS)

  it("key_concurrency 2: never more than 2 live leases per key (intervals and database samples), reached", async () => {
    const q = uniqueQueue("k2")
    expect((await api(b.http, "PATCH", `/queues/${q}`, { key_concurrency: 2 })).status).toBe(200)
    await enqueueKeyed(a.http, q, 30, 20)
    const stop = sampler(q)
    const { done, intervals } = await drain(q, 600)
    const seen = await stop()
    expect(done).toBe(600)
    expect(maxOverlapPerKey(intervals)).toBeLessThanOrEqual(2)
    expect(seen.max).toBeLessThanOrEqual(2)
    expect(Math.max(seen.max, maxOverlapPerKey(intervals))).toBe(2)
  })

  it("a long-poll held back by a full key wakes when the holder acks on the other master, and when the limit is raised", async () => {
    const q = uniqueQueue("kw")
    const made = await api(a.http, "POST", "/jobs/batch", { jobs: [1, 2, 3].map(() => ({ type: "t", queue: q, concurrency_key: "acct-1" })) })
    const ids = made.body.jobs.map((j: any) => j.id)
    expect((await api(b.http, "GET", `/jobs/${ids[0]}`)).body.job.concurrency_key).toBe("acct-1")
    const first = await api(b.http, "POST", "/jobs/lease", { worker_id: "holder", queues: [q], max_jobs: 10 })
    expect(first.body.jobs.map((j: any) => j.id)).toEqual([ids[0]])

    const before = a.master.longPollWakes()
    const waiting = api(a.http, "POST", "/jobs/lease", { worker_id: "lp", queues: [q], max_jobs: 10, wait_ms: 30_000 })
    await eventually(async () => a.master.waitingOn(q) > 0 && a.master.longPollWakes().due - before.due >= 2)
    const held = first.body.jobs[0]
    expect((await api(b.http, "POST", "/leases/ack", { worker_id: "holder", items: [{ job_id: held.id, lease_token: held.lease_token, outcome: "completed" }] })).status).toBe(200)
    const woken = await waiting
    expect(woken.body.jobs.map((j: any) => j.id)).toEqual([ids[1]])
    expect(a.master.longPollWakes().timeout - before.timeout).toBe(0)

    const again = api(b.http, "POST", "/jobs/lease", { worker_id: "lp2", queues: [q], max_jobs: 10, wait_ms: 30_000 })
    await eventually(async () => b.master.waitingOn(q) > 0)
    expect((await api(a.http, "PATCH", `/queues/${q}`, { key_concurrency: 2 })).status).toBe(200)
    expect((await again).body.jobs.map((j: any) => j.id)).toEqual([ids[2]])
  })

  it("enqueue refuses a malformed concurrency_key with 400 naming the batch index", async () => {
    const q = uniqueQueue("kb")
    for (const bad of ["", "x".repeat(201), 5, true, {}]) {
      const one = await api(a.http, "POST", "/jobs", { type: "t", queue: q, concurrency_key: bad })
      expect(one.status, JSON.stringify(bad)).toBe(400)
      const batch = await api(a.http, "POST", "/jobs/batch", { jobs: [{ type: "t", queue: q }, { type: "t", queue: q, concurrency_key: bad }] })
      expect(batch.status).toBe(400)
      expect(batch.body.error.details).toMatchObject({ index: 1 })
    }
    const wf = await api(a.http, "POST", "/workflows", { jobs: [{ key: "a", type: "t", queue: q, concurrency_key: "" }] })
    expect(wf.status).toBe(400)
    expect((await api(a.http, "GET", `/queues/${q}`)).body.queue.counts.pending).toBe(0)
  })
})
