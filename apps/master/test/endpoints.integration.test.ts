import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { eventually, setupMaster, uniqueQueue, type Call, type MasterFixture } from "./harness.ts"

const UTC = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?Z$/
let fx: MasterFixture
beforeAll(async () => {
  // No background sweeper within this file's runtime: only POST /leases/recover recovers expired leases here.
  fx = await setupMaster({ sweepIntervalMs: 3_600_000 })
})
afterAll(async () => {
  await fx?.close()
})

const expectError = (a: { status: number; body: any }, status: number, code: string) => {
  expect({ status: a.status, code: a.body?.error?.code }).toEqual({ status, code })
  expect(typeof a.body.error.message).toBe("string")
}

describe.each([
  ["app.request", () => fx.local],
  ["real socket", () => fx.http]
] as const)("every endpoint through %s", (_name, transport) => {
  let call: Call
  const api = (method: string, path: string, body?: unknown) => call(method, API_BASE + path, body)
  const enqueue = async (queue: string, extra: Record<string, unknown> = {}) => {
    const a = await api("POST", "/jobs", { type: "t", queue, ...extra })
    expect(a.status).toBe(201)
    return a.body.job
  }
  const lease = async (queue: string, extra: Record<string, unknown> = {}) => {
    const a = await api("POST", "/jobs/lease", { worker_id: "w1", queues: [queue], ...extra })
    expect(a.status).toBe(200)
    return a.body.jobs as Array<any>
  }
  beforeAll(() => {
    call = transport()
  })

  describe("producers", () => {
    it("POST /jobs enqueues with defaults, UTC timestamps, null meaning absent, unknown fields ignored", async () => {
      const a = await api("POST", "/jobs", { type: "email", payload: { to: "x" }, priority: null, extra: [1, 2] })
      expect(a.status).toBe(201)
      const job = a.body.job
      expect(job).toMatchObject({ type: "email", queue: "default", payload: { to: "x" }, status: "pending", priority: 0, attempts: 0, max_attempts: 3 })
      expect(typeof job.id).toBe("number")
      expect(job.created_at).toMatch(UTC)
      expect(job.run_at).toMatch(UTC)
      expect(job).not.toHaveProperty("lease_token")
      await api("POST", `/jobs/${job.id}/cancel`)
    })
    it("POST /jobs: an existing idempotency key answers 200 with the same job and duplicate: true", async () => {
      const q = uniqueQueue()
      const first = await api("POST", "/jobs", { type: "t", queue: q, idempotency_key: "k1" })
      const again = await api("POST", "/jobs", { type: "t", queue: q, idempotency_key: "k1" })
      expect(first.status).toBe(201)
      expect(again.status).toBe(200)
      expect(again.body.duplicate).toBe(true)
      expect(again.body.job.id).toBe(first.body.job.id)
    })
    it("POST /jobs: run_at with any offset is stored in UTC; run_at with delay_ms is 400", async () => {
      const job = await enqueue(uniqueQueue(), { run_at: "2030-01-01T10:00:00+05:30" })
      expect(job.run_at).toMatch(/^2030-01-01T04:30:00(\.0+)?Z$/)
      expectError(await api("POST", "/jobs", { type: "t", run_at: "2030-01-01T10:00:00Z", delay_ms: 5 }), 400, "validation_error")
    })
    it("POST /jobs: wrong types, bad queue names, out-of-range numbers and malformed JSON are 400", async () => {
      for (const body of [{ type: 5 }, { type: "t", queue: "Bad Queue" }, { type: "t", priority: 1001 }, { type: "t", max_attempts: 0 }, { type: "t", delay_ms: -1 }, [], "null", "{oops"])
        expectError(await api("POST", "/jobs", body), 400, "validation_error")
    })
    it("POST /jobs: a payload over 1 MiB is 413", async () => {
      expectError(await api("POST", "/jobs", { type: "t", payload: "x".repeat(1024 * 1024 + 1) }), 413, "payload_too_large")
    })
    it("POST /jobs/batch answers in request order, first of a duplicate key wins, all or nothing", async () => {
      const q = uniqueQueue()
      const a = await api("POST", "/jobs/batch", {
        jobs: [
          { type: "a", queue: q, idempotency_key: "same" },
          { type: "b", queue: q },
          { type: "c", queue: q, idempotency_key: "same" }
        ]
      })
      expect(a.status).toBe(201)
      expect(a.body.jobs.map((j: any) => j.type)).toEqual(["a", "b", "a"])
      expect(a.body.jobs[2].id).toBe(a.body.jobs[0].id)
      expect(a.body.jobs[2].duplicate).toBe(true)
      const bad = await api("POST", "/jobs/batch", { jobs: [{ type: "ok", queue: q }, { type: "ok", queue: q, priority: "high" }] })
      expectError(bad, 400, "validation_error")
      expect(bad.body.error.details).toEqual({ index: 1 })
      const listed = await api("GET", `/jobs?queue=${q}`)
      expect(listed.body.jobs).toHaveLength(2)
    })
    it("POST /jobs/batch: empty, too many, and an oversized payload (413 with index) are refused", async () => {
      expectError(await api("POST", "/jobs/batch", { jobs: [] }), 400, "validation_error")
      expectError(await api("POST", "/jobs/batch", { jobs: Array.from({ length: 10_001 }, () => ({ type: "t" })) }), 400, "validation_error")
      expectError(await api("POST", "/jobs/batch", { jobs: "nope" }), 400, "validation_error")
      const big = await api("POST", "/jobs/batch", { jobs: [{ type: "t" }, { type: "t", payload: "y".repeat(1024 * 1024 + 10) }] })
      expectError(big, 413, "payload_too_large")
      expect(big.body.error.details).toEqual({ index: 1 })
    })
    it("a request body over 32 MiB is 413", async () => {
      const huge = `{"type":"t","payload":"${"z".repeat(32 * 1024 * 1024 + 1)}"}`
      expectError(await api("POST", "/jobs", huge), 413, "payload_too_large")
    })
  })

  describe("workers", () => {
    it("POST /jobs/lease hands out a job with token, expiry, renew_after and server_now; empty is not an error", async () => {
      const q = uniqueQueue()
      const job = await enqueue(q)
      const a = await api("POST", "/jobs/lease", { worker_id: "w1", queues: [q], lease_seconds: 60 })
      expect(a.status).toBe(200)
      expect(a.body.server_now).toMatch(UTC)
      const [leased] = a.body.jobs
      expect(leased).toMatchObject({ id: job.id, status: "processing", worker_id: "w1", attempts: 1 })
      expect(typeof leased.lease_token).toBe("string")
      const expires = Date.parse(leased.lease_expires_at)
      const renewAfter = Date.parse(leased.renew_after)
      expect(renewAfter).toBeLessThan(expires)
      expect(expires - Date.parse(a.body.server_now)).toBeGreaterThan(50_000)
      expect(await lease(q)).toEqual([])
      const read = await api("GET", `/jobs/${job.id}`)
      expect(read.body.job).not.toHaveProperty("lease_token")
    })
    it("POST /jobs/lease: default lease is the configured duration; types filter; max_jobs", async () => {
      const q = uniqueQueue()
      await enqueue(q, { type: "x" })
      await enqueue(q, { type: "y" })
      await enqueue(q, { type: "y" })
      const ys = await lease(q, { types: ["y"], max_jobs: 5 })
      expect(ys.map((j) => j.type)).toEqual(["y", "y"])
      const left = Date.parse(ys[0].lease_expires_at) - Date.now()
      expect(left).toBeGreaterThan(3500_000)
      expect(left).toBeLessThanOrEqual(3_700_000)
    })
    it("POST /jobs/lease: every bound violation is 400 before anything is leased", async () => {
      const q = uniqueQueue()
      const job = await enqueue(q)
      for (const extra of [{ lease_seconds: 0 }, { lease_seconds: 86_401 }, { lease_seconds: 1.5 }, { max_jobs: 0 }, { max_jobs: 1001 }, { wait_ms: 30_001 }, { requested_batch_size: 0 }, { requested_batch_size: 1_000_001 }, { queues: ["BAD"] }, { worker_id: "" }])
        expectError(await api("POST", "/jobs/lease", { worker_id: "w1", queues: [q], ...extra }), 400, "validation_error")
      expect((await api("GET", `/jobs/${job.id}`)).body.job.status).toBe("pending")
    })
    it("renew, complete (idempotent per token), and lease_lost for a foreign token", async () => {
      const q = uniqueQueue()
      await enqueue(q)
      const [j] = await lease(q, { lease_seconds: 30 })
      const renewed = await api("POST", `/jobs/${j.id}/renew`, { worker_id: "w1", lease_token: j.lease_token, lease_seconds: 120 })
      expect(renewed.status).toBe(200)
      expect(renewed.body.lease_expires_at).toMatch(UTC)
      expect(Date.parse(renewed.body.lease_expires_at)).toBeGreaterThan(Date.parse(j.lease_expires_at))
      expectError(await api("POST", `/jobs/${j.id}/renew`, { worker_id: "w1", lease_token: "nope" }), 409, "lease_lost")
      expectError(await api("POST", `/jobs/${j.id}/renew`, { worker_id: "w1", lease_token: j.lease_token, lease_seconds: 0 }), 400, "validation_error")
      expectError(await api("POST", `/jobs/${j.id}/complete`, { worker_id: "w1", lease_token: "never-held" }), 409, "lease_lost")
      const done = await api("POST", `/jobs/${j.id}/complete`, { worker_id: "w1", lease_token: j.lease_token, result: { ok: 1 } })
      expect(done.status).toBe(200)
      expect(done.body.job).toMatchObject({ status: "completed", result: { ok: 1 } })
      const again = await api("POST", `/jobs/${j.id}/complete`, { worker_id: "w1", lease_token: j.lease_token, result: { ok: 2 } })
      expect(again.status).toBe(200)
      expect(again.body.job.result).toEqual({ ok: 1 })
      expectError(await api("POST", `/jobs/${j.id}/renew`, { worker_id: "w1", lease_token: j.lease_token }), 409, "lease_lost")
      expectError(await api("POST", `/jobs/abc/complete`, { worker_id: "w1", lease_token: "t" }), 400, "validation_error")
      expectError(await api("POST", `/jobs/${j.id}/complete`, { worker_id: "w1" }), 400, "validation_error")
    })
    it("fail retries with backoff, or dead-letters when not retryable", async () => {
      const q = uniqueQueue()
      await enqueue(q)
      await enqueue(q)
      const [a, b] = await lease(q, { max_jobs: 2 })
      const retrying = await api("POST", `/jobs/${a.id}/fail`, { worker_id: "w1", lease_token: a.lease_token, error: { message: "boom" }, retry_in_ms: 60_000 })
      expect(retrying.status).toBe(200)
      expect(retrying.body.job).toMatchObject({ status: "retrying", last_error: "boom" })
      expect(Date.parse(retrying.body.job.run_at)).toBeGreaterThan(Date.now() + 50_000)
      const dead = await api("POST", `/jobs/${b.id}/fail`, { worker_id: "w1", lease_token: b.lease_token, error: { message: "fatal" }, retryable: false })
      expect(dead.body.job.status).toBe("failed")
      expectError(await api("POST", `/jobs/${b.id}/fail`, { worker_id: "w1", lease_token: b.lease_token }), 400, "validation_error")
      expectError(await api("POST", `/jobs/${b.id}/fail`, { worker_id: "w1", lease_token: b.lease_token, error: { message: "x" } }), 409, "lease_lost")
    })
    it("fail without retry_in_ms backs off by the store's policy: full jitter within the first ceiling (1 s)", async () => {
      const q = uniqueQueue()
      const n = 30
      await api("POST", "/jobs/batch", { jobs: Array.from({ length: n }, () => ({ type: "t", queue: q })) })
      const jobs = await lease(q, { max_jobs: n })
      expect(jobs).toHaveLength(n)
      const delays: Array<number> = []
      for (const j of jobs) {
        const r = await api("POST", `/jobs/${j.id}/fail`, { worker_id: "w1", lease_token: j.lease_token, error: { message: "e" } })
        expect(r.body.job.status).toBe("retrying")
        delays.push(Date.parse(r.body.job.run_at) - Date.parse(r.body.job.updated_at))
      }
      expect(delays.filter((d) => d < 0 || d > 1000)).toEqual([])
      const mean = delays.reduce((a, b) => a + b, 0) / n
      expect(mean).toBeGreaterThan(200)
      expect(mean).toBeLessThan(800)
    })
    it("release gives the job back to pending without counting the attempt", async () => {
      const q = uniqueQueue()
      await enqueue(q)
      const [j] = await lease(q)
      const r = await api("POST", `/jobs/${j.id}/release`, { worker_id: "w1", lease_token: j.lease_token })
      expect(r.status).toBe(200)
      expect(r.body.job).toMatchObject({ status: "pending", attempts: 0, worker_id: null })
      expectError(await api("POST", `/jobs/${j.id}/release`, { worker_id: "w1", lease_token: j.lease_token }), 409, "lease_lost")
    })
    it("POST /leases/ack applies valid items, answers per item in order; a malformed request is 400 as a whole", async () => {
      const q = uniqueQueue()
      await api("POST", "/jobs/batch", { jobs: [{ type: "t", queue: q }, { type: "t", queue: q }, { type: "t", queue: q }] })
      const [a, b, c] = await lease(q, { max_jobs: 3 })
      const ack = await api("POST", "/leases/ack", {
        worker_id: "w1",
        items: [
          { job_id: b.id, lease_token: b.lease_token, outcome: "failed", error: { message: "no" }, retryable: false },
          { job_id: c.id, lease_token: "wrong", outcome: "completed" },
          { job_id: a.id, lease_token: a.lease_token, outcome: "completed", result: 7 }
        ]
      })
      expect(ack.status).toBe(200)
      expect(ack.body.results.map((r: any) => [r.job_id, r.ok])).toEqual([[b.id, true], [c.id, false], [a.id, true]])
      expect(ack.body.results[1].error.code).toBe("lease_lost")
      expect((await api("GET", `/jobs/${a.id}`)).body.job).toMatchObject({ status: "completed", result: 7 })
      expect((await api("GET", `/jobs/${c.id}`)).body.job.status).toBe("processing")
      expect((await api("GET", `/jobs/${b.id}`)).body.job.status).toBe("failed")
      expectError(await api("POST", "/leases/ack", { worker_id: "w1", items: [{ job_id: a.id, lease_token: "t", outcome: "failed" }] }), 400, "validation_error")
      expectError(await api("POST", "/leases/ack", { worker_id: "w1", items: [] }), 400, "validation_error")
    })
    it("POST /leases/renew renews live leases and reports lost ones", async () => {
      const q = uniqueQueue()
      await enqueue(q)
      const [j] = await lease(q, { lease_seconds: 30 })
      const r = await api("POST", "/leases/renew", { worker_id: "w1", items: [{ job_id: j.id, lease_token: j.lease_token }, { job_id: j.id, lease_token: "x" }], lease_seconds: 90 })
      expect(r.status).toBe(200)
      expect(r.body.results[0]).toMatchObject({ job_id: j.id, ok: true })
      expect(r.body.results[0].lease_expires_at).toMatch(UTC)
      expect(r.body.results[1]).toMatchObject({ job_id: j.id, ok: false })
      expectError(await api("POST", "/leases/renew", { worker_id: "w1", items: [{ job_id: j.id, lease_token: j.lease_token }], lease_seconds: 86_401 }), 400, "validation_error")
    })
  })

  describe("operators", () => {
    it("GET /jobs pages by id with a cursor; bad cursor and limit are 400", async () => {
      const q = uniqueQueue()
      const made = await api("POST", "/jobs/batch", { jobs: Array.from({ length: 5 }, (_, i) => ({ type: `t${i}`, queue: q })) })
      const ids = made.body.jobs.map((j: any) => j.id)
      const p1 = await api("GET", `/jobs?queue=${q}&limit=3`)
      expect(p1.body.jobs.map((j: any) => j.id)).toEqual(ids.slice(0, 3))
      const p2 = await api("GET", `/jobs?queue=${q}&limit=3&cursor=${encodeURIComponent(p1.body.next_cursor)}`)
      expect(p2.body.jobs.map((j: any) => j.id)).toEqual(ids.slice(3))
      expect(p2.body.next_cursor).toBeNull()
      expect((await api("GET", `/jobs?queue=${q}&status=pending&type=t1`)).body.jobs.map((j: any) => j.id)).toEqual([ids[1]])
      expectError(await api("GET", `/jobs?cursor=%%%garbage`), 400, "validation_error")
      expectError(await api("GET", `/jobs?limit=501`), 400, "validation_error")
      expectError(await api("GET", `/jobs?status=weird`), 400, "validation_error")
    })
    it("GET /jobs/{id}: 404 for an unknown id, 400 for a malformed one", async () => {
      expectError(await api("GET", "/jobs/999999999"), 404, "not_found")
      expectError(await api("GET", "/jobs/abc"), 400, "validation_error")
      expectError(await api("GET", "/jobs/-1"), 400, "validation_error")
    })
    it("cancel and admin retry follow the lifecycle (409 invalid_transition when illegal)", async () => {
      const q = uniqueQueue()
      const job = await enqueue(q)
      expectError(await api("POST", `/jobs/${job.id}/retry`), 409, "invalid_transition")
      const c = await api("POST", `/jobs/${job.id}/cancel`)
      expect(c.body.job.status).toBe("cancelled")
      expectError(await api("POST", `/jobs/${job.id}/cancel`), 409, "invalid_transition")
      const r = await api("POST", `/jobs/${job.id}/retry`)
      expect(r.body.job).toMatchObject({ status: "pending", attempts: 0 })
      const [j] = await lease(q)
      await api("POST", `/jobs/${j.id}/complete`, { worker_id: "w1", lease_token: j.lease_token })
      expectError(await api("POST", `/jobs/${j.id}/retry`), 409, "invalid_transition")
      expectError(await api("POST", `/jobs/${j.id}/cancel`), 409, "invalid_transition")
      expectError(await api("POST", `/jobs/999999999/cancel`), 404, "not_found")
    })
    it("GET /leases lists active and expired leases; POST /leases/recover sweeps expired ones", async () => {
      const q = uniqueQueue()
      await enqueue(q, { max_attempts: 2 })
      const [j] = await lease(q, { lease_seconds: 1, worker_id: "w-exp" })
      const active = await api("GET", `/leases?queue=${q}`)
      expect(active.body.leases).toEqual([expect.objectContaining({ job_id: j.id, queue: q, worker_id: "w-exp" })])
      await eventually(async () => (await api("GET", `/leases?state=expired&queue=${q}`)).body.leases.length === 1)
      expect((await api("GET", `/jobs/${j.id}`)).body.job.status).toBe("processing")
      const rec = await api("POST", "/leases/recover")
      expect(rec.status).toBe(200)
      expect(rec.body.retried).toBeGreaterThanOrEqual(1)
      const after = (await api("GET", `/jobs/${j.id}`)).body.job
      expect(after.status).toBe("retrying")
      expect(after.errors.at(-1).message).toMatch(/lease expired/)
      expectError(await api("GET", "/leases?state=dead"), 400, "validation_error")
      expectError(await api("GET", "/leases?limit=1001"), 400, "validation_error")
    })
    it("GET /stats counts per queue; GET /workers shows who is alive and what it holds", async () => {
      const q = uniqueQueue()
      await enqueue(q)
      await enqueue(q)
      const worker = uniqueQueue("w-stats")
      await lease(q, { worker_id: worker })
      const s = await api("GET", "/stats")
      expect(s.status).toBe(200)
      expect(s.body.queues[q]).toMatchObject({ pending: 1, processing: 1, completed: 0 })
      expect(typeof s.body.queues[q].oldest_pending_age_ms).toBe("number")
      expect(typeof s.body.expired_leases).toBe("number")
      const w = await eventually(async () => {
        const r = await api("GET", "/workers")
        return r.body.workers.find((x: any) => x.worker_id === worker)
      })
      expect(w.in_flight).toBe(1)
      expect(w.last_seen_at).toMatch(UTC)
      expect((await api("GET", "/stats")).body.workers_active).toBeGreaterThanOrEqual(1)
    })
    it("GET /stats/throughput answers per-minute completed and failed, current minute last; bad bounds are 400", async () => {
      const q = uniqueQueue()
      await enqueue(q)
      await enqueue(q)
      const [a, b] = await lease(q, { max_jobs: 2 })
      const ack = await api("POST", "/leases/ack", {
        worker_id: "w1",
        items: [
          { job_id: a.id, lease_token: a.lease_token, outcome: "completed" },
          { job_id: b.id, lease_token: b.lease_token, outcome: "failed", error: { message: "x" }, retryable: false }
        ]
      })
      expect(ack.status).toBe(200)
      const t = await api("GET", `/stats/throughput?minutes=3&queue=${q}`)
      expect(t.status).toBe(200)
      expect(t.body.minutes).toHaveLength(3)
      const ats = t.body.minutes.map((m: any) => Date.parse(m.at))
      expect(ats[1] - ats[0]).toBe(60_000)
      expect(ats[2] - ats[1]).toBe(60_000)
      expect(t.body.minutes.every((m: any) => UTC.test(m.at) && Date.parse(m.at) % 60_000 === 0)).toBe(true)
      const total = t.body.minutes.reduce((acc: any, m: any) => ({ completed: acc.completed + m.completed, failed: acc.failed + m.failed }), { completed: 0, failed: 0 })
      expect(total).toEqual({ completed: 1, failed: 1 })
      expect(ats[2]).toBeLessThanOrEqual(Date.now())
      expect((await api("GET", "/stats/throughput")).body.minutes).toHaveLength(60)
      expectError(await api("GET", "/stats/throughput?minutes=0"), 400, "validation_error")
      expectError(await api("GET", "/stats/throughput?minutes=1441"), 400, "validation_error")
      expectError(await api("GET", "/stats/throughput?minutes=abc"), 400, "validation_error")
      expectError(await api("GET", "/stats/throughput?queue=Bad!"), 400, "validation_error")
    })
  })

  describe("scans", () => {
    it("create, read, list, lease carved batches, pause and resume", async () => {
      const name = uniqueQueue("scan")
      const q = uniqueQueue()
      const created = await api("POST", "/scans", { name, type: "range", queue: q, start: 0, end: 250, default_batch_size: 100, max_batch_size: 200, payload: { table: "t" } })
      expect(created.status).toBe(201)
      expect(created.body.scan).toMatchObject({ name, queue: q, start: 0, end: 250, cursor: 0, paused: false, done: false })
      expectError(await api("POST", "/scans", { name, type: "range", queue: q, start: 0, end: 10 }), 409, "conflict")
      expectError(await api("POST", "/jobs/lease", { worker_id: "w1", queues: [q], requested_batch_size: 201 }), 400, "validation_error")
      const jobs = await lease(q, { max_jobs: 2, requested_batch_size: 60 })
      expect(jobs.map((j) => j.payload)).toEqual([{ table: "t", start: 0, end: 60 }, { table: "t", start: 60, end: 120 }])
      const paused = await api("POST", `/scans/${name}/pause`)
      expect(paused.body.scan.paused).toBe(true)
      expect(await lease(q)).toEqual([])
      expect((await api("POST", `/scans/${name}/resume`)).body.scan.paused).toBe(false)
      const read = await api("GET", `/scans/${name}`)
      expect(read.body.scan).toMatchObject({ cursor: 120, batches: { processing: 2 } })
      expect((await api("GET", "/scans")).body.scans.some((s: any) => s.name === name)).toBe(true)
    })
    it("refuses bad scans and unknown names", async () => {
      expectError(await api("POST", "/scans", { name: "s1", type: "t", start: 5, end: 5 }), 400, "validation_error")
      expectError(await api("POST", "/scans", { name: "s1", type: "t", start: 0, end: 10, payload: { start: 1 } }), 400, "validation_error")
      expectError(await api("POST", "/scans", { name: "Bad Name", type: "t", start: 0, end: 10 }), 400, "validation_error")
      expectError(await api("POST", "/scans", { name: "s1", type: "t", start: 0, end: 2 ** 53 + 2 }), 400, "validation_error")
      expectError(await api("GET", "/scans/nope-unknown"), 404, "not_found")
      expectError(await api("POST", "/scans/nope-unknown/pause"), 404, "not_found")
    })
  })

  describe("service", () => {
    it("healthz, readyz, metrics, openapi and unknown routes", async () => {
      expect((await call("GET", "/healthz")).status).toBe(200)
      expect((await call("GET", "/readyz")).body).toEqual({ status: "ready" })
      const m = await call("GET", "/metrics")
      expect(m.status).toBe(200)
      for (const name of ["leasehold_jobs_enqueued_total", "leasehold_jobs_leased_total", "leasehold_jobs_completed_total", "leasehold_lease_duration_seconds", "leasehold_queue_depth", "leasehold_oldest_pending_age_seconds", "leasehold_http_request_duration_seconds", "process_cpu_user_seconds_total"])
        expect(m.body).toContain(name)
      expect(m.body).toMatch(/leasehold_http_request_duration_seconds_count\{method="POST",route="\/api\/v1\/jobs\/lease",status="200"\}/)
      const o = await call("GET", "/openapi.json")
      expect(o.body.openapi).toBe("3.1.0")
      expectError(await call("GET", "/nope"), 404, "not_found")
      expectError(await api("DELETE", "/jobs"), 404, "not_found")
    })
  })
})

describe("body limits on the socket", () => {
  it("a chunked body (no content-length) over 32 MiB is 413 while it is being read", async () => {
    const { request } = await import("node:http")
    const url = new URL(fx.master.url)
    const answer = await new Promise<{ status: number; body: any }>((resolve, reject) => {
      const req = request({ host: url.hostname, port: url.port, method: "POST", path: `${API_BASE}/jobs/batch`, headers: { "content-type": "application/json", "transfer-encoding": "chunked" } }, (res) => {
        let text = ""
        res.on("data", (d) => (text += d))
        res.on("end", () => resolve({ status: res.statusCode ?? 0, body: JSON.parse(text) }))
      })
      req.on("error", reject)
      const chunk = "x".repeat(1024 * 1024)
      req.write(`{"jobs":[{"type":"t","payload":"`)
      let sent = 0
      const pump = () => {
        while (sent < 40) {
          sent++
          if (!req.write(chunk)) return void req.once("drain", pump)
        }
        req.end(`"}]}`)
      }
      pump()
    })
    expect([answer.status, answer.body.error.code]).toEqual([413, "payload_too_large"])
    expect((await fx.http("GET", "/healthz")).status).toBe(200)
  })
})
