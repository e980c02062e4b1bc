import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

let db: TestDatabase
let one: MasterFixture
let two: MasterFixture
beforeAll(async () => {
  db = await createTestDatabase("lh_workflows")
  const tokens = { host: "127.0.0.1", adminTokens: ["admin"], producerTokens: ["prod"], workerTokens: ["work"], poolMax: 10 }
  one = await setupMaster(tokens, { db })
  two = await setupMaster(tokens, { db })
})
afterAll(async () => {
  await one?.close()
  await two?.close()
  await db?.drop()
})

const as = (token: string, fx?: () => MasterFixture) => (method: string, path: string, body?: unknown) =>
  (fx ?? (() => one))().http(method, API_BASE + path, body, { authorization: `Bearer ${token}` })
const admin = as("admin")
const producer = as("prod")
const worker = as("work")

describe("workflows over HTTP", () => {
  it("creates, reads, lists by page and filters jobs by workflow_id", async () => {
    const queue = uniqueQueue("wf")
    const created = await producer("POST", "/workflows", {
      name: "publish",
      jobs: [
        { key: "resize-1", type: "resize", queue },
        { key: "resize-2", type: "resize", queue },
        { key: "publish", type: "publish", queue, depends_on: ["resize-1", "resize-2"] }
      ]
    })
    expect(created.status).toBe(201)
    const wf = created.body.workflow
    expect(wf).toMatchObject({ name: "publish", status: "running", finished_at: null, counts: { pending: 2, blocked: 1 } })
    expect(wf.jobs.map((j: { key: string }) => j.key)).toEqual(["resize-1", "resize-2", "publish"])
    const read = await worker("GET", `/workflows/${wf.id}`)
    expect(read.body.workflow.jobs[2]).toMatchObject({ key: "publish", status: "blocked", depends_on: ["resize-1", "resize-2"] })
    await producer("POST", "/jobs", { type: "publish", queue })
    const jobs = await producer("GET", `/jobs?workflow_id=${wf.id}`)
    expect(jobs.body.jobs.map((j: { key: string }) => j.key)).toEqual(["resize-1", "resize-2", "publish"])
    expect(jobs.body.jobs[2]).toMatchObject({ workflow_id: wf.id, status: "blocked", waiting_for: ["resize-1", "resize-2"] })

    await producer("POST", "/workflows", { jobs: [{ key: "x", type: "t", queue }] })
    const page1 = await producer("GET", `/workflows?limit=1&cursor=${encodeURIComponent("")}`)
    expect(page1.status).toBe(400)
    const first = await producer("GET", "/workflows?limit=1")
    expect(first.body.workflows).toHaveLength(1)
    const next = await producer("GET", `/workflows?limit=1&cursor=${first.body.next_cursor}`)
    expect(next.body.workflows[0].id).toBeGreaterThan(first.body.workflows[0].id)
    expect((await producer("GET", "/workflows?cursor=bogus")).status).toBe(400)
    expect((await producer("GET", "/workflows?status=running&limit=500")).body.workflows.map((w: { id: number }) => w.id)).toContain(wf.id)
  })

  it("answers bad graphs with 400 and details", async () => {
    const q = uniqueQueue()
    const bad = async (jobs: unknown) => (await producer("POST", "/workflows", { jobs })).body.error
    expect(await bad([{ key: "a", type: "t", queue: q, depends_on: ["c"] }, { key: "b", type: "t", depends_on: ["a"] }, { key: "c", type: "t", depends_on: ["b"] }])).toMatchObject({
      code: "validation_error",
      details: { cycle: expect.arrayContaining(["a", "b", "c"]) }
    })
    expect(await bad([{ key: "a", type: "t", depends_on: ["a"] }])).toMatchObject({ details: { cycle: ["a"] } })
    expect(await bad([{ key: "a", type: "t" }, { key: "b", type: "t", depends_on: ["zz"] }])).toMatchObject({ details: { index: 1 } })
    expect(await bad([{ key: "a", type: "t" }, { key: "a", type: "t" }])).toMatchObject({ details: { index: 1 } })
    expect(await bad([{ key: "a", type: "t" }, { key: "bad key", type: "t" }])).toMatchObject({ details: { index: 1 } })
    expect(await bad([{ key: "a", type: "t", delay_ms: 1, run_at: "2030-01-01T00:00:00Z" }])).toMatchObject({ details: { index: 0 } })
    expect(await bad([])).toMatchObject({ code: "validation_error" })
    expect(await bad(Array.from({ length: 10_001 }, (_, i) => ({ key: `k${i}`, type: "t" })))).toMatchObject({ code: "validation_error" })
    expect((await producer("POST", "/workflows", "{")).status).toBe(400)
  })

  it("keeps each role to its scope", async () => {
    const q = uniqueQueue()
    const { body } = await producer("POST", "/workflows", { jobs: [{ key: "a", type: "t", queue: q }] })
    const id = body.workflow.id
    expect((await worker("POST", "/workflows", { jobs: [{ key: "a", type: "t" }] })).status).toBe(403)
    expect((await worker("GET", "/workflows")).status).toBe(403)
    expect((await worker("POST", `/workflows/${id}/jobs`, { jobs: [{ key: "b", type: "t" }] })).status).toBe(403)
    expect((await producer("POST", `/workflows/${id}/cancel`)).status).toBe(403)
    expect((await producer("POST", `/workflows/${id}/jobs`, { jobs: [{ key: "b", type: "t", queue: q }] })).status).toBe(201)
    expect((await admin("POST", `/workflows/${id}/cancel`)).body.workflow.status).toBe("cancelled")
    expect((await admin("POST", `/workflows/${id}/cancel`)).body.error.code).toBe("invalid_transition")
    expect((await admin("POST", `/workflows/${id}/retry`)).body.workflow.status).toBe("running")
    expect((await admin("GET", "/workflows/999999999")).status).toBe(404)
  })

  it("lets a worker add under its live lease, idempotently; a stale token is 409 lease_lost", async () => {
    const q = uniqueQueue()
    const { body } = await producer("POST", "/workflows", { idempotency_key: q, jobs: [{ key: "split", type: "split", queue: q }] })
    const again = await producer("POST", "/workflows", { idempotency_key: q, jobs: [{ key: "other", type: "t" }] })
    expect([again.status, again.body.duplicate, again.body.workflow.id]).toEqual([200, true, body.workflow.id])
    const leased = await worker("POST", "/jobs/lease", { worker_id: "w1", queues: [q] })
    const split = leased.body.jobs[0]
    expect(split).toMatchObject({ workflow: { id: body.workflow.id, key: "split" }, dependencies: {} })
    const proof = { worker_id: "w1", lease_token: split.lease_token, job_id: split.id }
    const jobs = [{ key: "m1", type: "map", queue: q }, { key: "r", type: "reduce", queue: q, depends_on: ["m1"] }]
    const added = await worker("POST", `/workflows/${body.workflow.id}/jobs`, { ...proof, jobs })
    expect(added.status).toBe(201)
    expect(added.body.jobs.map((j: { key: string; duplicate: boolean }) => [j.key, j.duplicate])).toEqual([["m1", false], ["r", false]])
    const repeat = await worker("POST", `/workflows/${body.workflow.id}/jobs`, { ...proof, jobs })
    expect(repeat.body.jobs.map((j: { duplicate: boolean }) => j.duplicate)).toEqual([true, true])
    const stale = await worker("POST", `/workflows/${body.workflow.id}/jobs`, { ...proof, lease_token: "x", jobs })
    expect([stale.status, stale.body.error.code]).toEqual([409, "lease_lost"])
    expect((await worker("POST", `/workflows/${body.workflow.id}/jobs`, { worker_id: "w1", jobs })).status).toBe(400)
  })
})

describe("fan-in through two masters", () => {
  it("1,000 parents completed concurrently on both masters make the child pending once, leased once", async () => {
    const queue = uniqueQueue("fanin")
    const parents = Array.from({ length: 1000 }, (_, i) => ({ key: `p${i}`, type: "p", queue }))
    const { body } = await producer("POST", "/workflows", { jobs: [...parents, { key: "child", type: "c", queue: `${queue}-child`, depends_on: parents.map((p) => p.key) }] })
    const leased: Array<{ id: number; lease_token: string }> = []
    for (let i = 0; i < 10; i++) leased.push(...(await worker("POST", "/jobs/lease", { worker_id: "w", queues: [queue], max_jobs: 100 })).body.jobs)
    expect(leased).toHaveLength(1000)
    const calls = leased.map((j, i) => () =>
      as("work", () => (i % 2 === 0 ? one : two))("POST", `/jobs/${j.id}/complete`, { worker_id: "w", lease_token: j.lease_token, result: i })
    )
    let next = 0
    await Promise.all(Array.from({ length: 16 }, async () => {
      while (next < calls.length) expect((await calls[next++]!()).status).toBe(200)
    }))
    const child = body.workflow.jobs[1000]
    expect((await producer("GET", `/jobs/${child.job_id}`)).body.job.status).toBe("pending")
    const takes = await Promise.all([one, two, one, two].map((fx) => as("work", () => fx)("POST", "/jobs/lease", { worker_id: "w2", queues: [`${queue}-child`] })))
    const got = takes.flatMap((t) => t.body.jobs)
    expect(got).toHaveLength(1)
    expect(Object.keys(got[0].dependencies)).toHaveLength(1000)
  })
})
