import { seededRandom } from "@leasehold/core/testing"
import type postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { connect } from "@leasehold/store-postgres"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import type { WakeReason } from "../src/longPoll/LeaseWaiters.ts"
import { eventually, setupMaster, uniqueQueue, type Call, type MasterFixture } from "./harness.ts"

/** No fallback re-poll within these tests' waits: only a NOTIFY or the store's hint wakes a long-poll. */
const NO_REPOLL = { leaseRepollMs: 3_600_000 }
let db: TestDatabase
let a: MasterFixture
let b: MasterFixture
let sql: postgres.Sql
beforeAll(async () => {
  db = await createTestDatabase("lh_queues")
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

const random = seededRandom("queues leasers")
const rnd = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))
const api = (call: Call, method: string, path: string, body?: unknown) => call(method, API_BASE + path, body)
const enqueue = async (call: Call, queue: string, n: number) => {
  for (let i = 0; i < n; i += 1000)
    expect((await api(call, "POST", "/jobs/batch", { jobs: Array.from({ length: Math.min(1000, n - i) }, () => ({ type: "t", queue })) })).status).toBe(201)
}

/** Samples the queue's live leases from the database continuously until stopped; the highest seen. */
const sampler = (queue: string) => {
  let stop = false
  let max = 0
  const done = (async () => {
    while (!stop) {
      const [r] = await sql<{ n: number }[]>`select count(*)::int as n from jobs
        where queue = ${queue} and status = 'processing' and lease_expires_at >= clock_timestamp()`
      max = Math.max(max, r!.n)
    }
  })()
  return async () => ((stop = true), await done, max)
}

/** 32 concurrent HTTP leasers, half on each master, leasing and acking until `total` jobs are done. */
const drain = async (queue: string, total: number, onDone?: (n: number) => Promise<void>) => {
  let done = 0
  const leaser = async (call: Call, worker: string) => {
    for (let calls = 0; done < total && calls < 20 * total; calls++) {
      const r = await api(call, "POST", "/jobs/lease", { worker_id: worker, queues: [queue], lease_seconds: 300, max_jobs: rnd(1, 10), wait_ms: 50 })
      expect(r.status).toBe(200)
      const jobs = r.body.jobs as Array<any>
      if (jobs.length === 0) continue
      const ack = await api(call, "POST", "/leases/ack", {
        worker_id: worker,
        items: jobs.map((j) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" }))
      })
      expect(ack.body.results.every((x: any) => x.ok)).toBe(true)
      done += jobs.length
      await onDone?.(done)
    }
  }
  await Promise.all(Array.from({ length: 32 }, (_, i) => leaser(i % 2 === 0 ? a.http : b.http, `w${i}`)))
  return done
}

describe("queue endpoints", () => {
  it("reads any well-formed name with zero counts, lists queues with jobs or settings, refuses bad input with 400", async () => {
    const q = uniqueQueue()
    const fresh = await api(a.http, "GET", `/queues/${q}`)
    expect(fresh.status).toBe(200)
    expect(fresh.body.queue).toEqual({
      name: q, paused: false, max_concurrency: null, rate_limit: null, key_concurrency: null,
      counts: { blocked: 0, pending: 0, processing: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 }
    })
    await enqueue(a.http, q, 3)
    const set = await api(b.http, "PATCH", `/queues/${q}`, { max_concurrency: 7, rate_limit: { limit: 100, period_ms: 1000 } })
    expect(set.status).toBe(200)
    expect(set.body.queue).toMatchObject({ name: q, max_concurrency: 7, rate_limit: { limit: 100, period_ms: 1000 }, counts: { pending: 3 } })
    const settingsOnly = uniqueQueue()
    expect((await api(a.http, "POST", `/queues/${settingsOnly}/pause`)).body.queue.paused).toBe(true)
    const list = (await api(a.http, "GET", "/queues")).body.queues as Array<any>
    expect(list.find((x) => x.name === q)).toMatchObject({ max_concurrency: 7, counts: { pending: 3 } })
    expect(list.find((x) => x.name === settingsOnly)).toMatchObject({ paused: true, counts: { pending: 0 } })
    expect((await api(a.http, "PATCH", `/queues/${q}`, { max_concurrency: null })).body.queue).toMatchObject({ max_concurrency: null, rate_limit: { limit: 100 } })
    expect((await api(a.http, "POST", `/queues/${settingsOnly}/resume`)).body.queue.paused).toBe(false)
    for (const [path, body] of [
      [`/queues/${q}`, { max_concurrency: 0 }],
      [`/queues/${q}`, { max_concurrency: 100_001 }],
      [`/queues/${q}`, { max_concurrency: 1.5 }],
      [`/queues/${q}`, { rate_limit: { limit: 0, period_ms: 1000 } }],
      [`/queues/${q}`, { rate_limit: { limit: 10, period_ms: 86_400_001 } }],
      [`/queues/${q}`, { rate_limit: { limit: 10 } }],
      [`/queues/${q}`, "[not json"],
      ["/queues/Bad%20Name", { max_concurrency: 1 }]
    ] as const) {
      const r = await api(a.http, "PATCH", path, body)
      expect(r.status, JSON.stringify(body)).toBe(400)
      expect(r.body.error.code).toBe("validation_error")
    }
    for (const bad of [0, -1, 1.5, 100_001, "2", true, {}]) {
      const r = await api(a.http, "PATCH", `/queues/${q}`, { key_concurrency: bad })
      expect(r.status, JSON.stringify(bad)).toBe(400)
      expect(r.body.error.code).toBe("validation_error")
    }
    expect((await api(a.http, "PATCH", `/queues/${q}`, { key_concurrency: 3 })).body.queue).toMatchObject({ key_concurrency: 3, rate_limit: { limit: 100 } })
    expect((await api(b.http, "GET", `/queues/${q}`)).body.queue.key_concurrency).toBe(3)
    expect((await api(a.http, "PATCH", `/queues/${q}`, { key_concurrency: 100_000 })).body.queue.key_concurrency).toBe(100_000)
    expect((await api(a.http, "PATCH", `/queues/${q}`, { key_concurrency: null })).body.queue.key_concurrency).toBeNull()
    expect((await api(a.http, "GET", `/queues/${"x".repeat(65)}`)).status).toBe(400)
  })
})

describe("flow control over HTTP, two masters", () => {
  it.each([1, 2])("max_concurrency 5: 32 leasers never hold more than 5 live leases; clearing the limit drains the rest (round %i)", async () => {
    const q = uniqueQueue("mc")
    expect((await api(a.http, "PATCH", `/queues/${q}`, { max_concurrency: 5 })).status).toBe(200)
    await enqueue(b.http, q, 600)
    const stop = sampler(q)
    let cleared = false
    const done = await drain(q, 600, async (n) => {
      if (n >= 150 && !cleared) {
        cleared = true
        const max = await stop()
        expect(max).toBeLessThanOrEqual(5)
        expect(max).toBeGreaterThan(0)
        expect((await api(b.http, "PATCH", `/queues/${q}`, { max_concurrency: null })).status).toBe(200)
      }
    })
    expect(done).toBe(600)
    expect((await api(a.http, "GET", `/queues/${q}`)).body.queue.counts).toMatchObject({ completed: 600, pending: 0, processing: 0 })
  })

  it("lists no queue that has neither jobs nor settings: one resumed, one whose limit was cleared, a keyed one whose jobs were pruned", async () => {
    const listed = async (name: string) => ((await api(b.http, "GET", "/queues")).body.queues as Array<any>).some((x) => x.name === name)
    const resumed = uniqueQueue()
    await api(a.http, "POST", `/queues/${resumed}/pause`)
    expect(await listed(resumed)).toBe(true)
    await api(a.http, "POST", `/queues/${resumed}/resume`)
    expect(await listed(resumed)).toBe(false)
    const cleared = uniqueQueue()
    await api(a.http, "PATCH", `/queues/${cleared}`, { key_concurrency: 3 })
    expect(await listed(cleared)).toBe(true)
    await api(a.http, "PATCH", `/queues/${cleared}`, { key_concurrency: null })
    expect(await listed(cleared)).toBe(false)
    // A keyed queue's first lease creates its (empty) settings row; once its jobs are gone, so is the queue.
    const keyed = uniqueQueue("keyed")
    await api(a.http, "POST", "/jobs/batch", { jobs: ["k1", "k2"].map((k) => ({ type: "t", queue: keyed, concurrency_key: k })) })
    const leased = (await api(a.http, "POST", "/jobs/lease", { worker_id: "w", queues: [keyed], max_jobs: 10 })).body.jobs as Array<any>
    expect(leased).toHaveLength(2)
    expect((await sql`select 1 from queue_settings where name = ${keyed}`).length).toBe(1)
    await api(a.http, "POST", "/leases/ack", { worker_id: "w", items: leased.map((j) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" })) })
    expect(await listed(keyed)).toBe(true)
    await sql`delete from jobs where queue = ${keyed}`
    expect(await listed(keyed)).toBe(false)
  })

  it("rate limit 50 per second: leases granted per fixed window never exceed 50 across both masters", async () => {
    const q = uniqueQueue("rl")
    expect((await api(b.http, "PATCH", `/queues/${q}`, { rate_limit: { limit: 50, period_ms: 1000 } })).status).toBe(200)
    await enqueue(a.http, q, 250)
    expect(await drain(q, 250)).toBe(250)
    const windows = await sql<{ n: number }[]>`select count(*)::int as n from jobs where queue = ${q}
      group by floor(extract(epoch from leased_at))`
    expect(windows.reduce((s, r) => s + r.n, 0)).toBe(250)
    expect(Math.max(...windows.map((r) => r.n))).toBe(50)
  })

  it("pause: nothing leased, other queues unaffected; a long-poll on the paused queue wakes on a resume from the other master", async () => {
    const q = uniqueQueue("p")
    const free = uniqueQueue("free")
    await enqueue(a.http, q, 2)
    await enqueue(a.http, free, 2)
    expect((await api(a.http, "POST", `/queues/${q}/pause`)).status).toBe(200)
    const both = await api(b.http, "POST", "/jobs/lease", { worker_id: "p", queues: [q, free], max_jobs: 10 })
    expect(both.body.jobs.map((j: any) => j.queue)).toEqual([free, free])
    const before = a.master.longPollWakes()
    const waiting = api(a.http, "POST", "/jobs/lease", { worker_id: "lp", queues: [q], max_jobs: 10, wait_ms: 30_000 })
    // Held back: it re-checks (the store's hint) and keeps waiting while the queue stays paused.
    await eventually(async () => a.master.waitingOn(q) > 0 && a.master.longPollWakes().due - before.due >= 2)
    expect((await api(b.http, "POST", `/queues/${q}/resume`)).status).toBe(200)
    const answer = await waiting
    const after = a.master.longPollWakes()
    expect(answer.status).toBe(200)
    expect(answer.body.jobs).toHaveLength(2)
    expect(after.timeout - before.timeout).toBe(0)
    expect(after.notified - before.notified).toBeGreaterThanOrEqual(1)
    const diff = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as WakeReason]]))
    console.log("pause/resume long-poll wakes", diff)
  })
})
