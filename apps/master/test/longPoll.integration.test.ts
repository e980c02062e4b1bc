import { request as httpRequest } from "node:http"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { eventually, setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

let fx: MasterFixture
beforeAll(async () => {
  fx = await setupMaster()
})
afterAll(async () => {
  await fx?.close()
})

const api = (method: string, path: string, body?: unknown) => fx.http(method, API_BASE + path, body)

describe("long-poll", () => {
  it("a waiting lease is woken by an enqueue (LISTEN/NOTIFY), long before its wait_ms", async () => {
    const q = uniqueQueue()
    const started = Date.now()
    const waiting = api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 30_000 })
    await eventually(() => waitersOn(q))
    const job = (await api("POST", "/jobs", { type: "t", queue: q })).body.job
    const a = await waiting
    expect(a.status).toBe(200)
    expect(a.body.jobs.map((j: any) => j.id)).toEqual([job.id])
    expect(Date.now() - started).toBeLessThan(25_000)
  })

  it("answers empty when wait_ms passes with nothing to lease", async () => {
    const q = uniqueQueue()
    const a = await api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 300 })
    expect(a.status).toBe(200)
    expect(a.body.jobs).toEqual([])
  })

  it("wakes for a job that becomes due by time (delay)", async () => {
    const q = uniqueQueue()
    const job = (await api("POST", "/jobs", { type: "t", queue: q, delay_ms: 700 })).body.job
    const a = await api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 20_000 })
    expect(a.body.jobs.map((j: any) => j.id)).toEqual([job.id])
  })

  it("wakes for a lease that expires while it waits", async () => {
    const q = uniqueQueue()
    const job = (await api("POST", "/jobs", { type: "t", queue: q })).body.job
    const first = await api("POST", "/jobs/lease", { worker_id: "crashed", queues: [q], lease_seconds: 1 })
    expect(first.body.jobs.map((j: any) => j.id)).toEqual([job.id])
    const again = await api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 20_000 })
    expect(again.body.jobs.map((j: any) => [j.id, j.attempts, j.worker_id])).toEqual([[job.id, 2, "lp"]])
  })

  it("a client that disconnects during a long-poll leaves no lease behind", async () => {
    const q = uniqueQueue()
    for (let round = 0; round < 5; round++) {
      const req = rawLease(q, 30_000)
      await eventually(() => waitersOn(q))
      req.destroy()
      await eventually(async () => !(await waitersOn(q)))
      const job = (await api("POST", "/jobs", { type: "t", queue: q })).body.job
      await eventually(async () => (await api("GET", `/jobs/${job.id}`)).body.job.status === "pending" || undefined)
      const leases = await api("GET", `/leases?queue=${q}`)
      expect(leases.body.leases).toEqual([])
      const taken = await api("POST", "/jobs/lease", { worker_id: "after", queues: [q] })
      expect(taken.body.jobs.map((j: any) => [j.id, j.attempts])).toEqual([[job.id, 1]])
      await api("POST", `/jobs/${job.id}/complete`, { worker_id: "after", lease_token: taken.body.jobs[0].lease_token })
    }
  })
})

const waitersOn = (queue: string) => Promise.resolve(fx.master.waitingOn(queue) > 0)

const rawLease = (queue: string, waitMs: number, maxJobs = 1) => {
  const body = JSON.stringify({ worker_id: "gone", queues: [queue], wait_ms: waitMs, max_jobs: maxJobs })
  const url = new URL(fx.master.url)
  const req = httpRequest({ host: url.hostname, port: url.port, method: "POST", path: `${API_BASE}/jobs/lease`, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } })
  req.on("error", () => {})
  req.end(body)
  return req
}

describe("a separate LISTEN URL (for a transaction pooler in front of the pool)", () => {
  it("wakes long-polls through the dedicated listen connection", async () => {
    const other = await setupMaster({ listenDatabaseUrl: fx.db.url }, { db: fx.db })
    try {
      const q = uniqueQueue()
      const waiting = other.http("POST", `${API_BASE}/jobs/lease`, { worker_id: "lp2", queues: [q], wait_ms: 30_000 })
      await eventually(async () => other.master.waitingOn(q) > 0)
      const job = (await api("POST", "/jobs", { type: "t", queue: q })).body.job
      expect((await waiting).body.jobs.map((j: any) => j.id)).toEqual([job.id])
      const admin = postgres(fx.db.url, { max: 1 })
      try {
        const rows = await admin`select query from pg_stat_activity where application_name = 'leasehold-master-listen' and datname = current_database()`
        expect(rows.map((r) => r.query)).toEqual([expect.stringMatching(/listen/i)])
      } finally {
        await admin.end()
      }
    } finally {
      await other.close()
    }
  })
})
