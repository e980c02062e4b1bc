import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { eventually, setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

let db: TestDatabase
let a: MasterFixture
let b: MasterFixture
beforeAll(async () => {
  db = await createTestDatabase("lh_loops")
  a = await setupMaster({ sweepIntervalMs: 100, retentionMs: 0 }, { db })
  b = await setupMaster({ sweepIntervalMs: 100, retentionMs: 0 }, { db })
})
afterAll(async () => {
  await a?.close()
  await b?.close()
  await db?.drop()
})

describe("background loops", () => {
  it("two masters' sweepers recover expired leases and never rewrite a job its holder completed", async () => {
    const q = uniqueQueue()
    await a.http("POST", `${API_BASE}/jobs/batch`, { jobs: Array.from({ length: 200 }, () => ({ type: "t", queue: q })) })
    const leased: Array<any> = []
    for (const fx of [a, b]) leased.push(...(await fx.http("POST", `${API_BASE}/jobs/lease`, { worker_id: "w", queues: [q], max_jobs: 100, lease_seconds: 1 })).body.jobs)
    expect(leased).toHaveLength(200)
    const [keep, drop] = [leased.filter((_, i) => i % 2 === 0), leased.filter((_, i) => i % 2 === 1)]
    const ack = await b.http("POST", `${API_BASE}/leases/ack`, { worker_id: "w", items: keep.map((j) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed", result: { id: j.id } })) })
    const completedIds = new Set(ack.body.results.filter((r: any) => r.ok).map((r: any) => r.job_id))
    await eventually(async () => {
      const s = (await a.http("GET", `${API_BASE}/stats`)).body.queues[q]
      return s.processing === 0 && s.retrying + s.pending === 200 - completedIds.size
    }, 20_000, 50)
    for (const j of keep) {
      const job = (await a.http("GET", `${API_BASE}/jobs/${j.id}`)).body.job
      if (completedIds.has(j.id)) expect([job.status, job.result]).toEqual(["completed", { id: j.id }])
    }
    for (const j of drop.slice(0, 20)) {
      const job = (await b.http("GET", `${API_BASE}/jobs/${j.id}`)).body.job
      expect(job.status).toBe("retrying")
      expect(job.errors.map((e: any) => e.message)).toContain("lease expired")
    }
    const metrics = (await a.http("GET", "/metrics")).body + (await b.http("GET", "/metrics")).body
    expect(metrics).toMatch(/leasehold_leases_expired_total\{outcome="retried"\} [1-9]/)
  })

  it("the pruner deletes finished jobs older than the retention and keeps the rest", async () => {
    const pruning = await setupMaster({ retentionMs: 300, pruneIntervalMs: 100 }, { db })
    try {
      const q = uniqueQueue()
      const jobs = (await pruning.http("POST", `${API_BASE}/jobs/batch`, { jobs: Array.from({ length: 4 }, () => ({ type: "t", queue: q })) })).body.jobs
      const [l1, l2] = (await pruning.http("POST", `${API_BASE}/jobs/lease`, { worker_id: "w", queues: [q], max_jobs: 2 })).body.jobs
      await pruning.http("POST", `${API_BASE}/jobs/${l1.id}/complete`, { worker_id: "w", lease_token: l1.lease_token })
      await pruning.http("POST", `${API_BASE}/jobs/${l2.id}/fail`, { worker_id: "w", lease_token: l2.lease_token, error: { message: "x" }, retryable: false })
      const pendingId = jobs.map((j: any) => j.id).find((id: number) => id !== l1.id && id !== l2.id)
      await pruning.http("POST", `${API_BASE}/jobs/${jobs.map((j: any) => j.id).find((id: number) => ![l1.id, l2.id, pendingId].includes(id))}/cancel`)
      await eventually(async () => (await pruning.http("GET", `${API_BASE}/jobs?queue=${q}`)).body.jobs.length === 1, 20_000, 50)
      expect((await pruning.http("GET", `${API_BASE}/jobs?queue=${q}`)).body.jobs.map((j: any) => [j.id, j.status])).toEqual([[pendingId, "pending"]])
    } finally {
      await pruning.close()
    }
  })
})
