import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { postgres } from "@leasehold/tooling"
import { setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

/** Reads are cancelled after this; long enough that the lease loop below finishes first with a wide margin. */
const READ_TIMEOUT_MS = 3_000
const READ_POOL = 2
/** More slow reads than the read pool has connections: the queued ones must not spill onto the lease pool. */
const SLOW_READS = 4

let fx: MasterFixture
beforeAll(async () => {
  fx = await setupMaster({ readTimeoutMs: READ_TIMEOUT_MS, readPoolMax: READ_POOL, poolMax: 4 })
})
afterAll(async () => {
  await fx?.close()
})

describe("operator reads cannot hurt leasing", () => {
  it("a read stuck in the database answers 503 (error envelope) at the read timeout, and leases and acks go on meanwhile", async () => {
    const call = (method: string, path: string, body?: unknown) => fx.http(method, API_BASE + path, body)
    const queue = uniqueQueue()
    expect((await call("POST", "/jobs/batch", { jobs: Array.from({ length: 200 }, () => ({ type: "slow-read", queue })) })).status).toBe(201)
    // A stuck read: GET /jobs by type reads job_kinds, which an admin session locks. The lease and ack
    // statements never touch it, so they must not care.
    const admin = postgres(fx.db.url, { max: 1, onnotice: () => {} })
    let release!: () => void
    let locked!: () => void
    const isLocked = new Promise<void>((ok) => (locked = ok))
    const lock = admin.begin(async (tx) => {
      await tx`lock table job_kinds in access exclusive mode`
      locked()
      await new Promise<void>((ok) => (release = ok))
    })
    try {
      await isLocked
      const settled: number[] = []
      const reads = Array.from({ length: SLOW_READS }, (_, i) =>
        call("GET", `/jobs?type=slow-read&limit=50`).then((r) => {
          settled.push(i)
          return r
        })
      )
      // Every read connection is now stuck (and more reads wait for one): lease and ack all 200 jobs.
      let done = 0
      while (done < 200) {
        const leased = await call("POST", "/jobs/lease", { worker_id: "w", queues: [queue], max_jobs: 20, lease_seconds: 60 })
        expect(leased.status).toBe(200)
        expect(leased.body.jobs.length).toBeGreaterThan(0)
        const acked = await call("POST", "/leases/ack", {
          worker_id: "w",
          items: leased.body.jobs.map((j: any) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" }))
        })
        expect(acked.body.results.every((r: any) => r.ok)).toBe(true)
        done += leased.body.jobs.length
      }
      expect(settled).toEqual([])
      const answers = await Promise.all(reads)
      for (const a of answers) {
        expect(a.status).toBe(503)
        expect(a.body).toEqual({ error: { code: "unavailable", message: expect.stringMatching(/read timeout/) } })
      }
    } finally {
      release?.()
      await lock.catch(() => undefined)
      await admin.end({ timeout: 5 })
    }
    // The read connections came back: the same read answers once nothing blocks it.
    const after = await call("GET", `/jobs?type=slow-read&status=completed&limit=50`)
    expect(after.status).toBe(200)
    expect(after.body.jobs).toHaveLength(50)
    expect((await call("GET", `/stats`)).body.queues[queue]).toMatchObject({ completed: 200, pending: 0, processing: 0 })
  }, 60_000)
})
