import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

let db: TestDatabase
let open: MasterFixture
let guarded: MasterFixture
beforeAll(async () => {
  db = await createTestDatabase("lh_bulk")
  open = await setupMaster({}, { db })
  guarded = await setupMaster({ host: "127.0.0.1", adminTokens: ["adm"], producerTokens: ["pro"], workerTokens: ["wrk"] }, { db })
})
afterAll(async () => {
  await guarded?.close()
  await open?.close()
  await db?.drop()
})

const api = (method: string, path: string, body?: unknown) => open.http(method, API_BASE + path, body)
const expectError = (a: { status: number; body: any }, status: number, code: string, mentions?: string) => {
  expect({ status: a.status, code: a.body?.error?.code }).toEqual({ status, code })
  if (mentions) expect(a.body.error.message).toContain(mentions)
}

/** Jobs in one queue: two failed (leased, failed for good), one pending, one completed. */
const fixture = async () => {
  const queue = uniqueQueue("bulk")
  const enq = (type: string) => api("POST", "/jobs", { type, queue }).then((a) => a.body.job.id as number)
  const failedA = await enq("f")
  const failedB = await enq("f")
  const completed = await enq("c")
  for (let i = 0; i < 3; i++) {
    const [job] = (await api("POST", "/jobs/lease", { worker_id: "w", queues: [queue] })).body.jobs
    const proof = { worker_id: "w", lease_token: job.lease_token }
    if (job.id === completed) await api("POST", `/jobs/${job.id}/complete`, proof)
    else await api("POST", `/jobs/${job.id}/fail`, { ...proof, error: { message: "boom" }, retryable: false })
  }
  const pending = await enq("p")
  return { queue, failedA, failedB, completed, pending }
}

const status = async (id: number) => (await api("GET", `/jobs/${id}`)).body.job.status

describe("POST /jobs/bulk/retry and /jobs/bulk/cancel", () => {
  it("by ids: one result per id in request order, invalid_transition and not_found per item", async () => {
    const f = await fixture()
    const a = await api("POST", "/jobs/bulk/retry", { ids: [f.pending, f.failedA, 987654321, f.completed, f.failedB] })
    expect(a.status).toBe(200)
    expect(a.body.results.map((r: any) => [r.job_id, r.ok, r.error?.code])).toEqual([
      [f.pending, false, "invalid_transition"],
      [f.failedA, true, undefined],
      [987654321, false, "not_found"],
      [f.completed, false, "invalid_transition"],
      [f.failedB, true, undefined]
    ])
    expect([await status(f.failedA), await status(f.failedB), await status(f.completed)]).toEqual(["pending", "pending", "completed"])
    const c = await api("POST", "/jobs/bulk/cancel", { ids: [f.failedA, f.completed] })
    expect(c.body.results.map((r: any) => r.ok)).toEqual([true, false])
    expect(await status(f.failedA)).toBe("cancelled")
  })

  it("by filter: answers the count changed; dry_run counts the same and changes nothing", async () => {
    const f = await fixture()
    const dry = await api("POST", "/jobs/bulk/retry", { filter: { queue: f.queue }, dry_run: true })
    expect([dry.status, dry.body]).toEqual([200, { count: 2, dry_run: true }])
    expect(await status(f.failedA)).toBe("failed")
    expect((await api("POST", "/jobs/bulk/retry", { filter: { queue: f.queue, type: "nope" } })).body).toEqual({ count: 0 })
    expect((await api("POST", "/jobs/bulk/retry", { filter: { queue: f.queue, status: "failed" } })).body).toEqual({ count: 2 })
    expect((await api("POST", "/jobs/bulk/cancel", { filter: { queue: f.queue, status: null, type: null } })).body).toEqual({ count: 3 })
    expect([await status(f.failedA), await status(f.pending), await status(f.completed)]).toEqual(["cancelled", "cancelled", "completed"])
  })

  it("malformed requests are 400 validation_error and change nothing", async () => {
    const f = await fixture()
    const cases: Array<[unknown, string?]> = [
      [{}, "exactly one"],
      [{ ids: [f.failedA], filter: { queue: f.queue } }, "exactly one"],
      [{ ids: null, filter: null }, "exactly one"],
      [{ filter: {} }, "at least one"],
      [{ filter: { queue: null } }, "at least one"],
      [{ ids: [] }],
      [{ ids: Array.from({ length: 10_001 }, (_, i) => i + 1) }],
      [{ ids: [f.failedA, 0] }],
      [{ ids: [f.failedA, -3] }],
      [{ ids: [f.failedA, 1.5] }],
      [{ ids: [String(f.failedA)] }],
      [{ ids: f.failedA }],
      [{ filter: { status: "nope" } }],
      [{ filter: { queue: "Bad Name" } }],
      [{ filter: { queue: f.queue }, dry_run: "yes" }],
      [{ ids: [f.failedA], dry_run: true }, "dry_run"],
      [[1, 2]],
      ["not json"]
    ]
    for (const [body, mentions] of cases)
      for (const action of ["retry", "cancel"]) expectError(await api("POST", `/jobs/bulk/${action}`, body), 400, "validation_error", mentions)
    expect(await status(f.failedA)).toBe("failed")
    expect(await status(f.pending)).toBe("pending")
  })

  it("10,000 ids is the most one request names", async () => {
    const ids = Array.from({ length: 10_000 }, (_, i) => 2_000_000_000 + i)
    const a = await api("POST", "/jobs/bulk/cancel", { ids })
    expect(a.status).toBe(200)
    expect(a.body.results).toHaveLength(10_000)
    expect(a.body.results.every((r: any) => r.error?.code === "not_found")).toBe(true)
  })

  it("needs an admin token: producer and worker are 403, none is 401", async () => {
    const f = await fixture()
    const as = (token?: string) =>
      guarded.http("POST", `${API_BASE}/jobs/bulk/retry`, { ids: [f.failedA] }, token ? { authorization: `Bearer ${token}` } : {})
    expectError(await as(), 401, "unauthorized")
    expectError(await as("pro"), 403, "forbidden")
    expectError(await as("wrk"), 403, "forbidden")
    expect(await status(f.failedA)).toBe("failed")
    const a = await as("adm")
    expect([a.status, a.body.results]).toEqual([200, [{ job_id: f.failedA, ok: true }]])
  })
})
