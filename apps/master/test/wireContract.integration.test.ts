import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

/** Issue 9 §2: contract deviations, over a real socket on a real PostgreSQL. */
let fx: MasterFixture
beforeAll(async () => {
  fx = await setupMaster()
})
afterAll(async () => {
  await fx?.close()
})

const api = (method: string, path: string, body?: unknown) => fx.http(method, API_BASE + path, body)
const TOP = 2 ** 53

describe("scans reach 2^53 exactly (SPEC: 0 <= start < end <= 2^53)", () => {
  it("creates, reads back and carves a scan ending at 2^53 without losing a unit", async () => {
    const q = uniqueQueue()
    const created = await api("POST", "/scans", { name: `top-${q}`, type: "range", queue: q, start: TOP - 10, end: TOP, default_batch_size: 4, max_batch_size: TOP })
    expect(created.status).toBe(201)
    expect(created.body.scan).toMatchObject({ start: TOP - 10, end: TOP, cursor: TOP - 10, max_batch_size: TOP, total_units: 10 })
    const raw = await fetch(`${fx.master.url}${API_BASE}/scans/top-${q}`)
    expect(await raw.text()).toContain('"end":9007199254740992')

    const ranges: Array<[number, number]> = []
    for (let i = 0; i < 5; i++) {
      const leased = await api("POST", "/jobs/lease", { worker_id: "w", queues: [q], max_jobs: 10 })
      expect(leased.status).toBe(200)
      for (const job of leased.body.jobs) {
        ranges.push([job.payload.start, job.payload.end])
        const done = await api("POST", `/jobs/${job.id}/complete`, { worker_id: "w", lease_token: job.lease_token })
        expect(done.status).toBe(200)
      }
    }
    expect(ranges.sort((a, b) => a[0] - b[0])).toEqual([
      [TOP - 10, TOP - 6],
      [TOP - 6, TOP - 2],
      [TOP - 2, TOP]
    ])
    const read = await api("GET", `/scans/top-${q}`)
    expect(read.body.scan).toMatchObject({ cursor: TOP, end: TOP, completed_units: 10, progress: 1, done: true })
  })
  it("still refuses a bound past 2^53 or a fraction", async () => {
    for (const bad of [{ start: 0, end: TOP + 2 }, { start: 0.5, end: 10 }, { start: 0, end: TOP, default_batch_size: TOP + 2 }]) {
      const a = await api("POST", "/scans", { name: "bad", type: "t", ...bad })
      expect([a.status, a.body.error.code]).toEqual([400, "validation_error"])
    }
  })
})

describe("schedules ignore unknown fields (SPEC: on every route)", () => {
  it("POST and PATCH accept and ignore a field they do not know; PATCH still refuses a rename", async () => {
    const created = await api("POST", "/schedules", { name: "extra-fields", cron: "0 3 * * *", type: "t", crn: "oops", colour: { r: 1 } })
    expect(created.status).toBe(201)
    expect(created.body.schedule).not.toHaveProperty("crn")
    expect(created.body.schedule).not.toHaveProperty("colour")
    const patched = await api("PATCH", "/schedules/extra-fields", { max_attempts: 9, crn: "oops", name: "extra-fields" })
    expect([patched.status, patched.body.schedule.max_attempts, patched.body.schedule.cron]).toEqual([200, 9, "0 3 * * *"])
    const renamed = await api("PATCH", "/schedules/extra-fields", { name: "other" })
    expect([renamed.status, renamed.body.error.code]).toEqual([400, "validation_error"])
  })
})
