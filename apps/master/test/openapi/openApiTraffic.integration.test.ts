import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { openApiDocument } from "../../src/openapi/openApiDocument.ts"
import { setupMaster, uniqueQueue, type Answer, type MasterFixture } from "../harness.ts"
import { makeOpenApiValidator, validatingCall, type Exchange } from "./openApiValidator.ts"

const ADMIN = "admin-1"
const PRODUCER = "prod-1"
const WORKER = "work-1"
const doc = openApiDocument() as Record<string, any>
const exchanges: Array<Exchange> = []
/** Requests the document itself must refuse (the server answers 400 and the schema can say why). */
const mustNotValidate: Array<Exchange> = []
let fx: MasterFixture
let send: ReturnType<typeof validatingCall>

beforeAll(async () => {
  fx = await setupMaster({ host: "127.0.0.1", adminTokens: [ADMIN], producerTokens: [PRODUCER], workerTokens: [WORKER] })
  send = validatingCall(fx.http, makeOpenApiValidator(doc), exchanges)
})
afterAll(async () => {
  await fx?.close()
})

const bearer = (token: string | null): Record<string, string> => (token === null ? {} : { authorization: `Bearer ${token}` })
/** An API call with a role's token (admin unless given), validated both ways by the wrapper. */
const api = (method: string, path: string, body?: unknown, token: string | null = ADMIN, headers: Record<string, string> = {}) =>
  send(method, API_BASE + path, body, { ...bearer(token), ...headers })
const expectStatus = (a: Answer, status: number) => expect({ status: a.status, body: a.body }).toMatchObject({ status })
/** A request the schema can refuse: answered 400, and the document's validator refuses it too. */
const refused = async (method: string, path: string, body?: unknown) => {
  const a = await api(method, path, body)
  expectStatus(a, 400)
  mustNotValidate.push(exchanges.at(-1)!)
}

describe("the API's traffic through a validator of the generated OpenAPI document", () => {
  it("drives every operation and its error statuses on a real master and PostgreSQL", async () => {
    const q = uniqueQueue()
    // Producers.
    const enq = await api("POST", "/jobs", { type: "t", queue: q, payload: { n: 1 }, priority: 5, run_at: "2020-01-01T00:00:00Z", extra: "ignored" }, PRODUCER)
    expectStatus(enq, 201)
    expectStatus(await api("POST", "/jobs", { type: "t", queue: q, idempotency_key: "k" }), 201)
    expectStatus(await api("POST", "/jobs", { type: "t", queue: q, idempotency_key: "k", delay_ms: null }), 200)
    await refused("POST", "/jobs", { type: 5 })
    await refused("POST", "/jobs", { type: "t", priority: 1.5 })
    await refused("POST", "/jobs", { type: "t", queue: "Bad Queue" })
    await refused("POST", "/jobs", { type: "t", run_at: "yesterday" })
    expectStatus(await api("POST", "/jobs", { type: "t", run_at: "2030-01-01T00:00:00Z", delay_ms: 5 }), 400)
    expectStatus(await api("POST", "/jobs", { type: "t", payload: "x".repeat(1024 * 1024 + 1) }), 413)
    // Not JSON: 415 where the master refuses other media types (any answer is checked against the document).
    await api("POST", "/jobs", '{"type":"t"}', ADMIN, { "content-type": "text/plain" })
    expectStatus(await api("POST", "/jobs", "{oops"), 400)
    const batch = await api("POST", "/jobs/batch", { jobs: [{ type: "a", queue: q }, { type: "b", queue: q, max_attempts: 1 }, { type: "c", queue: q }, { type: "d", queue: q }] }, PRODUCER)
    expectStatus(batch, 201)
    await refused("POST", "/jobs/batch", { jobs: [] })
    await refused("POST", "/jobs/batch", { jobs: [{ type: "a" }, { type: "b", priority: 5000 }] })
    // Reads.
    expectStatus(await api("GET", `/jobs?queue=${q}&status=pending&limit=2`, undefined, PRODUCER), 200)
    await refused("GET", "/jobs?limit=0")
    await refused("GET", "/jobs?status=nope")
    const id = enq.body.job.id as number
    expectStatus(await api("GET", `/jobs/${id}`, undefined, WORKER), 200)
    expectStatus(await api("GET", "/jobs/999999999"), 404)
    await refused("GET", "/jobs/abc")
    // Workers: lease, renew, complete, fail, release, batched ack and renew.
    const leased = await api("POST", "/jobs/lease", { worker_id: "w1", queues: [q], max_jobs: 5, lease_seconds: 60 }, WORKER)
    expectStatus(leased, 200)
    const [j1, j2, j3, j4, j5] = leased.body.jobs as Array<{ id: number; lease_token: string }>
    expect(j5).toBeDefined()
    await refused("POST", "/jobs/lease", { worker_id: "w1", max_jobs: 0 })
    const proof = (j: { lease_token: string }) => ({ worker_id: "w1", lease_token: j.lease_token })
    expectStatus(await api("POST", `/jobs/${j1!.id}/renew`, { ...proof(j1!), lease_seconds: 120 }, WORKER), 200)
    expectStatus(await api("POST", `/jobs/${j1!.id}/renew`, { worker_id: "w1", lease_token: "not-the-token" }, WORKER), 409)
    expectStatus(await api("POST", `/jobs/${j1!.id}/complete`, { ...proof(j1!), result: { ok: true } }, WORKER), 200)
    expectStatus(await api("POST", `/jobs/${j2!.id}/fail`, { ...proof(j2!), error: { message: "boom", stack: "at x" }, retry_in_ms: 0 }, WORKER), 200)
    expectStatus(await api("POST", `/jobs/${j3!.id}/release`, proof(j3!), WORKER), 200)
    expectStatus(await api("POST", "/jobs/999999999/complete", { worker_id: "w1", lease_token: "t" }, WORKER), 404)
    await refused("POST", `/jobs/${j4!.id}/fail`, { ...proof(j4!), error: "not an object" })
    const renewMany = await api("POST", "/leases/renew", { worker_id: "w1", items: [{ job_id: j4!.id, lease_token: j4!.lease_token }, { job_id: j1!.id, lease_token: "gone" }] }, WORKER)
    expectStatus(renewMany, 200)
    const ack = { job_id: j4!.id, lease_token: j4!.lease_token, outcome: "completed", result: 1 }
    expectStatus(await api("POST", "/leases/ack", { worker_id: "w1", items: [ack, { job_id: j5!.id, lease_token: j5!.lease_token, outcome: "failed", error: { message: "no" }, retryable: false }] }, WORKER), 200)
    await refused("POST", "/leases/ack", { worker_id: "w1", items: [{ ...ack, job_id: 0 }] })
    expectStatus(await api("GET", `/leases?state=active&queue=${q}&limit=10`), 200)
    await refused("GET", "/leases?state=bogus")
    expectStatus(await api("POST", "/leases/recover", {}), 200)
    expectStatus(await api("POST", "/leases/recover"), 200)
    expectStatus(await api("GET", "/stats", undefined, PRODUCER), 200)
    expectStatus(await api("GET", "/workers", undefined, PRODUCER), 200)
    expectStatus(await api("GET", `/stats/throughput?minutes=5&queue=${q}`, undefined, PRODUCER), 200)
    await refused("GET", "/stats/throughput?minutes=0")
    expectStatus(await api("GET", "/whoami", undefined, WORKER), 200)
    // Operators: retry, cancel, bulk.
    expectStatus(await api("POST", `/jobs/${j1!.id}/retry`, {}), 409)
    expectStatus(await api("POST", `/jobs/${j5!.id}/retry`), 200)
    const later = (await api("POST", "/jobs", { type: "t", queue: q, delay_ms: 3_600_000 })).body.job.id as number
    expectStatus(await api("POST", `/jobs/${later}/cancel`, {}), 200)
    expectStatus(await api("POST", `/jobs/${later}/cancel`), 409)
    expectStatus(await api("POST", "/jobs/bulk/retry", { ids: [id, 999999999] }), 200)
    expectStatus(await api("POST", "/jobs/bulk/cancel", { filter: { queue: q, status: "pending" }, dry_run: true }), 200)
    expectStatus(await api("POST", "/jobs/bulk/cancel", {}), 400)
    // Scans.
    const scan = `s-${q}`
    expectStatus(await api("POST", "/scans", { name: scan, type: "range", queue: q, start: 0, end: 2 ** 53, default_batch_size: 10 }), 201)
    expectStatus(await api("POST", "/scans", { name: scan, type: "range", start: 0, end: 10 }), 409)
    await refused("POST", "/scans", { name: "Bad Name", type: "range", start: 0, end: 10 })
    expectStatus(await api("POST", "/jobs/lease", { worker_id: "w2", queues: [q], max_jobs: 2, requested_batch_size: 1000 }, WORKER), 200)
    expectStatus(await api("GET", "/scans", undefined, PRODUCER), 200)
    expectStatus(await api("GET", `/scans/${scan}`, undefined, PRODUCER), 200)
    expectStatus(await api("POST", `/scans/${scan}/pause`), 200)
    expectStatus(await api("POST", `/scans/${scan}/resume`, {}), 200)
    expectStatus(await api("GET", "/scans/nope"), 404)
    await refused("GET", "/scans/BAD!")
    // Queues.
    expectStatus(await api("PATCH", `/queues/${q}`, { max_concurrency: 100, rate_limit: { limit: 1000, period_ms: 1000 } }), 200)
    await refused("PATCH", `/queues/${q}`, { max_concurrency: 0 })
    expectStatus(await api("GET", "/queues", undefined, PRODUCER), 200)
    expectStatus(await api("GET", `/queues/${q}`, undefined, PRODUCER), 200)
    expectStatus(await api("POST", `/queues/${q}/pause`), 200)
    expectStatus(await api("POST", `/queues/${q}/resume`, {}), 200)
    expectStatus(await api("PATCH", `/queues/${q}`, { max_concurrency: null, rate_limit: null }), 200)
    // Schedules.
    const sched = `c-${q}`
    expectStatus(await api("POST", "/schedules", { name: sched, cron: "*/5 * * * *", type: "tick", queue: q, payload: { a: 1 }, unknown: 1 }), 201)
    expectStatus(await api("POST", "/schedules", { name: sched, cron: "*/5 * * * *", type: "tick" }), 409)
    expectStatus(await api("POST", "/schedules", { name: `x-${q}`, cron: "not a cron", type: "tick" }), 400)
    await refused("POST", "/schedules", { name: sched, cron: "* * * * *" })
    expectStatus(await api("GET", "/schedules", undefined, PRODUCER), 200)
    expectStatus(await api("GET", `/schedules/${sched}`), 200)
    expectStatus(await api("PATCH", `/schedules/${sched}`, { cron: "0 * * * *", max_attempts: 5 }), 200)
    await refused("PATCH", `/schedules/${sched}`, { max_attempts: 0 })
    expectStatus(await api("GET", `/schedules/${sched}/preview?count=3`), 200)
    await refused("GET", `/schedules/${sched}/preview?count=0`)
    expectStatus(await api("POST", `/schedules/${sched}/pause`), 200)
    expectStatus(await api("POST", `/schedules/${sched}/resume`, {}), 200)
    expectStatus(await api("DELETE", `/schedules/${sched}`), 204)
    expectStatus(await api("GET", `/schedules/${sched}`), 404)
    // Workflows.
    const wq = uniqueQueue("wf")
    const graph = { jobs: [{ key: "a", type: "t", queue: wq }, { key: "b", type: "t", queue: wq, depends_on: ["a"] }], idempotency_key: `wf-${wq}` }
    const wf = await api("POST", "/workflows", graph, PRODUCER)
    expectStatus(wf, 201)
    expectStatus(await api("POST", "/workflows", graph, PRODUCER), 200)
    await refused("POST", "/workflows", { jobs: [{ key: "bad key!", type: "t" }] })
    const wid = wf.body.workflow.id as number
    expectStatus(await api("GET", "/workflows?status=running&limit=5", undefined, PRODUCER), 200)
    expectStatus(await api("GET", `/workflows/${wid}`, undefined, PRODUCER), 200)
    expectStatus(await api("GET", "/workflows/999999999"), 404)
    expectStatus(await api("POST", `/workflows/${wid}/jobs`, { jobs: [{ key: "c", type: "t", queue: wq, depends_on: ["b"] }] }, PRODUCER), 201)
    expectStatus(await api("POST", `/workflows/${wid}/cancel`), 200)
    expectStatus(await api("POST", `/workflows/${wid}/cancel`, {}), 409)
    expectStatus(await api("POST", `/workflows/${wid}/retry`, {}), 200)
    // Auth: no token, a wrong token, a role that may not call.
    expectStatus(await api("GET", "/jobs", undefined, null), 401)
    expectStatus(await api("POST", "/jobs", { type: "t" }, "wrong"), 401)
    expectStatus(await api("POST", "/jobs", { type: "t" }, WORKER), 403)
    expectStatus(await api("POST", "/jobs/lease", { worker_id: "w" }, PRODUCER), 403)
    // Service endpoints need no token.
    for (const path of ["/healthz", "/readyz", "/metrics", "/openapi.json"]) expectStatus(await send("GET", path), 200)
  }, 120_000)

  it("every response matches the schema documented for its status (an undocumented status fails)", () => {
    expect(exchanges.length).toBeGreaterThan(70)
    const bad = exchanges.filter((e) => e.problems.length > 0).map((e) => `${e.operation} ${e.status}: ${e.problems.join("; ")}`)
    expect(bad).toEqual([])
  })

  it("every request the server accepted validates against the operation's request schema", () => {
    const bad = exchanges.filter((e) => e.status < 300 && e.requestProblems.length > 0).map((e) => `${e.operation} ${e.status}: ${e.requestProblems.join("; ")}`)
    expect(bad).toEqual([])
  })

  it("the document refuses the malformed requests the server refused, as a client-side validator would", () => {
    expect(mustNotValidate.length).toBeGreaterThan(15)
    const accepted = mustNotValidate.filter((e) => e.requestProblems.length === 0).map((e) => `${e.operation} ${e.status}`)
    expect(accepted).toEqual([])
  })

  it("covered every documented operation with a success, and the error statuses 400, 401, 403, 404, 409, 413", () => {
    const documented = Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops as object).map((m) => `${m.toUpperCase()} ${p}`))
    const succeeded = new Set(exchanges.filter((e) => e.status < 300).map((e) => e.operation))
    expect(documented.filter((op) => !succeeded.has(op))).toEqual([])
    const statuses = new Set(exchanges.map((e) => e.status))
    for (const s of [400, 401, 403, 404, 409, 413]) expect(statuses).toContain(s)
  })
})
