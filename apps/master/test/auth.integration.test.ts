import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { makeLogger } from "../src/http/Logger.ts"
import { setupMaster, type MasterFixture } from "./harness.ts"

let db: TestDatabase
let fx: MasterFixture
beforeAll(async () => {
  db = await createTestDatabase("lh_auth")
  fx = await setupMaster({ host: "127.0.0.1", adminTokens: ["admin-1"], producerTokens: ["prod-1", "prod-2"], workerTokens: ["work-1"] }, { db })
})
afterAll(async () => {
  await fx?.close()
  await db?.drop()
})

const as = (token: string | undefined) => (method: string, path: string, body?: unknown) =>
  fx.http(method, API_BASE + path, body, token === undefined ? {} : { authorization: `Bearer ${token}` })

describe("auth with tokens configured", () => {
  it("every /api call needs a valid token (401 unauthorized)", async () => {
    for (const [method, path] of [["GET", "/jobs"], ["POST", "/jobs/lease"], ["GET", "/schedules"], ["POST", "/scans"]] as const) {
      const body = method === "GET" ? undefined : {}
      const none = await as(undefined)(method, path, body)
      expect([none.status, none.body.error.code]).toEqual([401, "unauthorized"])
      const bad = await as("nope")(method, path, body)
      expect([bad.status, bad.body.error.code]).toEqual([401, "unauthorized"])
    }
    const basic = await fx.http("GET", `${API_BASE}/jobs`, undefined, { authorization: "Basic YTpi" })
    expect(basic.status).toBe(401)
  })

  it("service endpoints need no token", async () => {
    for (const p of ["/healthz", "/readyz", "/metrics", "/openapi.json"]) expect((await fx.http("GET", p)).status).toBe(200)
  })

  it("a role may only call its own endpoints (403 forbidden), schedules included", async () => {
    const producer = as("prod-2")
    const worker = as("work-1")
    const admin = as("admin-1")
    const job = (await producer("POST", "/jobs", { type: "t", queue: "auth" })).body.job
    expect(job.id).toBeGreaterThan(0)
    expect((await producer("POST", "/jobs/batch", { jobs: [{ type: "t", queue: "auth-b" }] })).status).toBe(201)
    expect((await producer("GET", "/stats")).status).toBe(200)
    expect((await producer("GET", "/schedules")).status).toBe(200)
    for (const [method, path, body] of [
      ["POST", "/jobs/lease", { worker_id: "w", queues: ["auth"] }],
      ["POST", `/jobs/${job.id}/cancel`, undefined],
      ["POST", "/leases/recover", undefined],
      ["POST", "/schedules", { name: "nightly", cron: "0 3 * * *", type: "t" }],
      ["POST", "/scans", { name: "s", type: "t", start: 0, end: 10 }]
    ] as const) {
      const r = await producer(method, path, body)
      expect([path, r.status, r.body.error.code]).toEqual([path, 403, "forbidden"])
    }
    const leased = await worker("POST", "/jobs/lease", { worker_id: "w", queues: ["auth"] })
    expect(leased.body.jobs.map((j: any) => j.id)).toEqual([job.id])
    const token = leased.body.jobs[0].lease_token
    expect((await worker("GET", `/jobs/${job.id}`)).status).toBe(200)
    expect((await worker("POST", `/jobs/${job.id}/renew`, { worker_id: "w", lease_token: token })).status).toBe(200)
    expect((await worker("POST", "/leases/renew", { worker_id: "w", items: [{ job_id: job.id, lease_token: token }] })).status).toBe(200)
    for (const [method, path, body] of [
      ["GET", "/jobs", undefined],
      ["POST", "/jobs", { type: "t" }],
      ["GET", "/schedules", undefined],
      ["GET", "/stats", undefined],
      ["POST", `/jobs/${job.id}/retry`, undefined]
    ] as const) {
      const r = await worker(method, path, body)
      expect([path, r.status, r.body.error.code]).toEqual([path, 403, "forbidden"])
    }
    expect((await worker("POST", "/leases/ack", { worker_id: "w", items: [{ job_id: job.id, lease_token: token, outcome: "completed" }] })).status).toBe(200)
    const created = await admin("POST", "/schedules", { name: "nightly", cron: "0 3 * * *", type: "t" })
    expect(created.status).toBe(201)
    expect((await admin("POST", "/schedules/nightly/pause")).status).toBe(200)
    expect((await producer("GET", "/schedules/nightly")).body.schedule.enabled).toBe(false)
    expect((await producer("DELETE", "/schedules/nightly")).status).toBe(403)
    expect((await admin("DELETE", "/schedules/nightly")).status).toBe(204)
  })
})

describe("auth without tokens", () => {
  it("binds to 127.0.0.1 only, even when asked for another address, and says the API is open", async () => {
    const lines: Array<string> = []
    const open = await setupMaster({ host: "0.0.0.0" }, { db, log: makeLogger("info", (l) => void lines.push(l)) })
    try {
      expect(open.master.host).toBe("127.0.0.1")
      expect(lines.some((l) => /open/.test(JSON.parse(l).msg) && JSON.parse(l).level === "warn")).toBe(true)
      expect((await open.http("GET", `${API_BASE}/jobs`)).status).toBe(200)
    } finally {
      await open.close()
    }
  })
})
