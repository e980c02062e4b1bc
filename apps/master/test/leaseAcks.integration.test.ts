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
const enqueue = async (queue: string, n = 1): Promise<number[]> => {
  const r = await api("POST", "/jobs/batch", { jobs: Array.from({ length: n }, () => ({ type: "t", queue })) })
  expect(r.status).toBe(201)
  return r.body.jobs.map((j: any) => j.id)
}
const lease = async (queue: string, worker: string, n: number) => {
  const r = await api("POST", "/jobs/lease", { worker_id: worker, queues: [queue], max_jobs: n })
  expect(r.status).toBe(200)
  return r.body.jobs as Array<{ id: number; lease_token: string; attempts: number }>
}
const status = async (id: number) => (await api("GET", `/jobs/${id}`)).body.job.status
const done = (j: { id: number; lease_token: string }, result: unknown = null) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed", result })
const completedMetric = async (queue: string) => {
  const text = (await fx.http("GET", "/metrics")).body as string
  const line = text.split("\n").find((l) => l.startsWith(`leasehold_jobs_completed_total{queue="${queue}"}`))
  return line === undefined ? 0 : Number(line.split(" ").pop())
}

describe("acks on POST /jobs/lease", () => {
  it("applies a mixed batch in request order (rejected items included), then leases", async () => {
    const q = uniqueQueue()
    await enqueue(q, 3)
    const [a, b, c] = await lease(q, "w1", 3)
    const [fresh] = await enqueue(q)
    const r = await api("POST", "/jobs/lease", {
      worker_id: "w1",
      queues: [q],
      max_jobs: 5,
      acks: [
        done(a!, { n: 1 }),
        { job_id: b!.id, lease_token: b!.lease_token, outcome: "failed", error: { message: "boom" }, retry_in_ms: 60_000 },
        { ...done(c!), lease_token: "00000000-0000-4000-8000-000000000000" },
        { ...done(c!), job_id: 2 ** 40 }
      ]
    })
    expect(r.status).toBe(200)
    expect(r.body.acks).toEqual([
      { job_id: a!.id, ok: true },
      { job_id: b!.id, ok: true },
      { job_id: c!.id, ok: false, error: { code: "lease_lost", message: expect.any(String) } },
      { job_id: 2 ** 40, ok: false, error: { code: "not_found", message: expect.any(String) } }
    ])
    expect(r.body.jobs.map((j: any) => j.id)).toEqual([fresh])
    expect((await api("GET", `/jobs/${a!.id}`)).body.job).toMatchObject({ status: "completed", result: { n: 1 } })
    expect((await api("GET", `/jobs/${b!.id}`)).body.job).toMatchObject({ status: "retrying", last_error: "boom" })
    expect(await status(c!.id)).toBe("processing")
  })

  it("a malformed item is a 400 for the whole request: nothing applied, nothing leased", async () => {
    const q = uniqueQueue()
    await enqueue(q, 1)
    const [held] = await lease(q, "w2", 1)
    const [waiting] = await enqueue(q)
    const good = done(held!)
    const bad: Array<[string, unknown]> = [
      ["failed without error", [good, { job_id: held!.id, lease_token: held!.lease_token, outcome: "failed" }]],
      ["job_id 0", [good, { ...good, job_id: 0 }]],
      ["unknown outcome", [good, { ...good, outcome: "done" }]],
      ["empty list", []],
      ["over 1000 items", Array.from({ length: 1001 }, () => good)],
      ["not a list", good]
    ]
    for (const [why, acks] of bad) {
      const r = await api("POST", "/jobs/lease", { worker_id: "w2", queues: [q], max_jobs: 5, acks })
      expect(r.status, why).toBe(400)
      expect(r.body.error.code, why).toBe("validation_error")
    }
    const badLease = await api("POST", "/jobs/lease", { worker_id: "w2", queues: [q], lease_seconds: 0, acks: [good] })
    expect(badLease.status).toBe(400)
    expect(await status(held!.id)).toBe("processing")
    expect(await status(waiting!)).toBe("pending")
  })

  it("leases a job that one of its own acks freed, and counts each completion once", async () => {
    const q = uniqueQueue()
    await enqueue(q, 2)
    const [a, b] = await lease(q, "w3", 2)
    const before = await completedMetric(q)
    const r = await api("POST", "/jobs/lease", {
      worker_id: "w3",
      queues: [q],
      max_jobs: 1,
      acks: [done(a!), { job_id: b!.id, lease_token: b!.lease_token, outcome: "failed", error: { message: "again" }, retry_in_ms: 0 }]
    })
    expect(r.body.acks).toEqual([{ job_id: a!.id, ok: true }, { job_id: b!.id, ok: true }])
    expect(r.body.jobs.map((j: any) => [j.id, j.attempts])).toEqual([[b!.id, 2]])
    const repeat = await api("POST", "/jobs/lease", { worker_id: "w3", queues: [q], acks: [done(a!)] })
    expect(repeat.body).toMatchObject({ jobs: [], acks: [{ job_id: a!.id, ok: true }] })
    expect((await completedMetric(q)) - before).toBe(1)
  })

  it("a long-poll commits its acks before it waits, and answers their results with the job that ends the wait", async () => {
    const q = uniqueQueue()
    await enqueue(q, 2)
    const [a, b] = await lease(q, "w4", 2)
    const waiting = api("POST", "/jobs/lease", {
      worker_id: "w4",
      queues: [q],
      wait_ms: 30_000,
      acks: [done(a!, "ra"), { ...done(b!), lease_token: a!.lease_token }]
    })
    await eventually(async () => fx.master.waitingOn(q) > 0 && (await status(a!.id)) === "completed")
    expect(await status(b!.id)).toBe("processing")
    const [next] = await enqueue(q)
    const r = await waiting
    expect(r.status).toBe(200)
    expect(r.body.jobs.map((j: any) => j.id)).toEqual([next])
    expect(r.body.acks).toEqual([{ job_id: a!.id, ok: true }, { job_id: b!.id, ok: false, error: expect.objectContaining({ code: "lease_lost" }) }])
  })

  it("a long-poll that times out still answers the results of its acks", async () => {
    const q = uniqueQueue()
    await enqueue(q, 1)
    const [a] = await lease(q, "w5", 1)
    const r = await api("POST", "/jobs/lease", { worker_id: "w5", queues: [q], wait_ms: 200, acks: [done(a!)] })
    expect(r.body).toEqual({ jobs: [], server_now: expect.any(String), acks: [{ job_id: a!.id, ok: true }] })
    const plain = await api("POST", "/jobs/lease", { worker_id: "w5", queues: [q] })
    expect(plain.body.acks).toBeUndefined()
  })
})
