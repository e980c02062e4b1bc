import postgres from "postgres"
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
    // Every kept job is checked: completed with its result exactly when its ack was accepted, else
    // recovered by a sweeper (its lease ran out first) and never marked completed.
    expect(completedIds.size).toBeGreaterThan(0)
    for (const j of keep) {
      const job = (await a.http("GET", `${API_BASE}/jobs/${j.id}`)).body.job
      if (completedIds.has(j.id)) expect([job.status, job.result]).toEqual(["completed", { id: j.id }])
      else expect([job.status, job.result]).toEqual([expect.stringMatching(/^(retrying|pending)$/), null])
    }
    for (const j of drop.slice(0, 20)) {
      const job = (await b.http("GET", `${API_BASE}/jobs/${j.id}`)).body.job
      expect(job.status).toBe("retrying")
      expect(job.errors.map((e: any) => e.message)).toContain("lease expired")
    }
    const metrics = (await a.http("GET", "/metrics")).body + (await b.http("GET", "/metrics")).body
    expect(metrics).toMatch(/leasehold_leases_expired_total\{outcome="retried"\} [1-9]/)
  })

  it("the pruner deletes finished jobs older than the retention and keeps the younger ones and the unfinished", async () => {
    const pruning = await setupMaster({ retentionMs: 3_600_000, pruneIntervalMs: 100 }, { db })
    const admin = postgres(db.url, { max: 1 })
    try {
      const q = uniqueQueue()
      const call = (method: string, path: string, body?: unknown) => pruning.http(method, API_BASE + path, body)
      const ids: Array<number> = (await call("POST", "/jobs/batch", { jobs: Array.from({ length: 6 }, () => ({ type: "t", queue: q })) })).body.jobs.map((j: any) => j.id)
      const leased = (await call("POST", "/jobs/lease", { worker_id: "w", queues: [q], max_jobs: 4 })).body.jobs
      const [oldDone, youngDone, oldFailed, youngFailed] = leased
      for (const j of [oldDone, youngDone]) await call("POST", `/jobs/${j.id}/complete`, { worker_id: "w", lease_token: j.lease_token })
      for (const j of [oldFailed, youngFailed]) await call("POST", `/jobs/${j.id}/fail`, { worker_id: "w", lease_token: j.lease_token, error: { message: "x" }, retryable: false })
      const [oldPending, youngCancelled] = ids.filter((id) => !leased.some((j: any) => j.id === id))
      await call("POST", `/jobs/${youngCancelled}/cancel`)
      // Two hours old (the retention is one): the finished ones must go, the pending one must stay.
      const aged = [oldDone.id, oldFailed.id, oldPending]
      await admin`update jobs set completed_at = completed_at - interval '2 hours', updated_at = updated_at - interval '2 hours',
                  created_at = created_at - interval '2 hours', run_at = run_at - interval '2 hours' where id = any(${aged}::bigint[])`
      await eventually(async () => (await call("GET", `/jobs/${oldDone.id}`)).status === 404 && (await call("GET", `/jobs/${oldFailed.id}`)).status === 404, 20_000, 50)
      const left = (await call("GET", `/jobs?queue=${q}`)).body.jobs.map((j: any) => [j.id, j.status])
      expect(new Map(left)).toEqual(
        new Map([[youngDone.id, "completed"], [youngFailed.id, "failed"], [youngCancelled, "cancelled"], [oldPending, "pending"]])
      )
    } finally {
      await admin.end()
      await pruning.close()
    }
  })
})
