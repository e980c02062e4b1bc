import { seededRandom } from "@leasehold/core/testing"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { setupMaster, uniqueQueue, type Call, type MasterFixture } from "./harness.ts"

let db: TestDatabase
let a: MasterFixture
let b: MasterFixture
beforeAll(async () => {
  db = await createTestDatabase("lh_master2")
  a = await setupMaster({ poolMax: 8 }, { db })
  b = await setupMaster({ poolMax: 8 }, { db })
})
afterAll(async () => {
  await a?.close()
  await b?.close()
  await db?.drop()
})

const LEASERS = 32
const JOBS = 5000
/** Seeded (printed; replay with LEASEHOLD_TEST_SEED): which lease sizes and timings the leasers pick. */
const random = seededRandom("twoMasters leasers")
const rnd = (lo: number, hi: number) => lo + Math.floor(random() * (hi - lo + 1))

/** Runs `LEASERS` concurrent HTTP leasers, half on each master, until the queue stays empty. */
const drain = async (queue: string, extra: () => Record<string, unknown>) => {
  const leases: Array<{ id: number; payload: any; worker: string }> = []
  const leaser = async (call: Call, worker: string) => {
    let empty = 0
    while (empty < 3) {
      const r = await call("POST", `${API_BASE}/jobs/lease`, { worker_id: worker, queues: [queue], lease_seconds: 300, ...extra() })
      expect(r.status).toBe(200)
      const jobs = r.body.jobs as Array<any>
      if (jobs.length === 0) {
        empty++
        continue
      }
      empty = 0
      for (const j of jobs) leases.push({ id: j.id, payload: j.payload, worker })
      const ack = await call("POST", `${API_BASE}/leases/ack`, {
        worker_id: worker,
        items: jobs.map((j) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" }))
      })
      expect(ack.body.results.every((x: any) => x.ok)).toBe(true)
    }
  }
  await Promise.all(Array.from({ length: LEASERS }, (_, i) => leaser(i % 2 === 0 ? a.http : b.http, `w${i}`)))
  return leases
}

describe("two masters on one database", () => {
  it.each([1, 2, 3])("32 concurrent leasers over 5,000 jobs never lease a job twice while its lease is live (round %i)", async () => {
    const q = uniqueQueue()
    for (let i = 0; i < JOBS; i += 1000)
      expect((await (i % 2000 ? b : a).http("POST", `${API_BASE}/jobs/batch`, { jobs: Array.from({ length: 1000 }, () => ({ type: "t", queue: q })) })).status).toBe(201)
    const leases = await drain(q, () => ({ max_jobs: rnd(1, 25) }))
    const ids = leases.map((l) => l.id)
    expect(new Set(ids).size).toBe(ids.length)
    expect(ids.length).toBe(JOBS)
    expect(new Set(leases.map((l) => l.worker)).size).toBeGreaterThan(LEASERS / 2)
    const stats = (await a.http("GET", `${API_BASE}/stats`)).body.queues[q]
    expect(stats).toMatchObject({ completed: JOBS, pending: 0, processing: 0 })
  })

  it.each([1, 2, 3])("a scan leased through both masters is carved contiguous and gapless (round %i)", async () => {
    const q = uniqueQueue()
    const name = uniqueQueue("scan")
    const end = 200_000
    expect((await a.http("POST", `${API_BASE}/scans`, { name, type: "range", queue: q, start: 0, end, default_batch_size: 500, max_batch_size: 5000 })).status).toBe(201)
    const leases = await drain(q, () => ({ max_jobs: rnd(1, 8), requested_batch_size: rnd(1, 5000) }))
    const ranges = leases.map((l) => [l.payload.start, l.payload.end] as const).sort((x, y) => x[0] - y[0])
    expect(ranges[0]![0]).toBe(0)
    for (let i = 1; i < ranges.length; i++) expect(ranges[i]![0]).toBe(ranges[i - 1]![1])
    expect(ranges.at(-1)![1]).toBe(end)
    const scan = (await b.http("GET", `${API_BASE}/scans/${name}`)).body.scan
    expect(scan).toMatchObject({ cursor: end, done: true, progress: 1, completed_units: end })
  })
})
