import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import type { NewWorkflowJob } from "@leasehold/core"
import { setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore()
})
afterAll(async () => {
  await t?.close()
})

const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const fails = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(e))
let queueSeq = 0
const job = (queue: string, key: string, ...dependsOn: Array<string>): NewWorkflowJob => ({ key, type: "t", queue, dependsOn })

/** A fresh queue per test so leases see only that test's jobs. */
const setup = () => `wf${++queueSeq}`

const lease = (queue: string, max = 100) => go(t.store.jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: max, leaseSeconds: 60 }))
const complete = (j: LeasedJob, result: unknown = null) =>
  go(t.store.jobCompleteIfLeased({ id: j.id, workerId: "w", leaseToken: j.lease_token, result }))
const failHard = (j: LeasedJob) =>
  go(t.store.jobFailIfLeased({ id: j.id, workerId: "w", leaseToken: j.lease_token, error: { message: "boom" }, retryable: false }))
const statuses = async (id: number) =>
  Object.fromEntries((await go(t.workflows.workflowGet({ id }))).jobs.map((n) => [n.key, n.status]))

describe("workflow lifecycle on PostgreSQL", () => {
  it("runs a diamond level by level, with waiting_for on reads and dependencies on leases", async () => {
    const q = setup()
    const { workflow } = await go(
      t.workflows.workflowCreate({ name: "diamond", jobs: [job(q, "a"), job(q, "b", "a"), job(q, "c", "a"), job(q, "d", "b", "c")] })
    )
    expect(workflow.status).toBe("running")
    expect(workflow.counts).toMatchObject({ pending: 1, blocked: 3 })
    const d = workflow.jobs.find((n) => n.key === "d")!
    expect(d.depends_on).toEqual(["b", "c"])
    expect((await go(t.store.jobGet({ id: d.job_id }))).waiting_for).toEqual(["b", "c"])

    const [a] = await lease(q)
    expect(a?.workflow).toEqual({ id: workflow.id, key: "a" })
    expect(a?.dependencies).toEqual({})
    expect(await lease(q)).toEqual([])
    await complete(a!, { n: 1 })
    const bc = await lease(q)
    expect(bc.map((j) => j.key).sort()).toEqual(["b", "c"])
    expect(bc[0]!.dependencies).toEqual({ a: { job_id: a!.id, status: "completed", result: { n: 1 } } })
    await complete(bc[0]!, "first")
    expect((await go(t.store.jobGet({ id: d.job_id }))).waiting_for).toEqual([bc[1]!.key])
    const acked = await go(t.store.leaseAckMany({ workerId: "w", items: [{ jobId: bc[1]!.id, leaseToken: bc[1]!.lease_token, outcome: "completed", result: 2 }] }))
    expect(acked).toEqual([{ job_id: bc[1]!.id, ok: true }])
    const [last] = await lease(q)
    expect(last?.key).toBe("d")
    expect(Object.keys(last!.dependencies!).sort()).toEqual(["b", "c"])
    await complete(last!)
    const done = await go(t.workflows.workflowGet({ id: workflow.id }))
    expect(done.status).toBe("completed")
    expect(done.finished_at).not.toBeNull()
    const listed = await go(t.store.jobList({ workflowId: workflow.id, limit: 10 }))
    expect(listed.jobs.map((j) => j.key)).toEqual(["a", "b", "c", "d"])
  })

  it("cancels descendants of a poison job transitively, naming the direct dependency", async () => {
    const q = setup()
    const { workflow } = await go(
      t.workflows.workflowCreate({ jobs: [job(q, "a"), job(q, "b", "a"), job(q, "c", "a"), job(q, "d", "b", "c"), job(q, "e", "d")] })
    )
    await complete((await lease(q))[0]!)
    const bc = await lease(q)
    const b = bc.find((j) => j.key === "b")!
    await failHard(b)
    expect(await statuses(workflow.id)).toMatchObject({ b: "failed", c: "processing", d: "cancelled", e: "cancelled" })
    const ids = Object.fromEntries((await go(t.workflows.workflowGet({ id: workflow.id }))).jobs.map((n) => [n.key, n.job_id]))
    expect((await go(t.store.jobGet({ id: ids.d! }))).last_error).toBe("dependency b failed")
    expect((await go(t.store.jobGet({ id: ids.e! }))).last_error).toBe("dependency d cancelled")
    await complete(bc.find((j) => j.key === "c")!)
    const failed = await go(t.workflows.workflowGet({ id: workflow.id }))
    expect(failed.status).toBe("failed")

    const retried = await go(t.workflows.workflowRetry({ id: workflow.id }))
    expect(retried.status).toBe("running")
    expect(await statuses(workflow.id)).toMatchObject({ a: "completed", b: "pending", c: "completed", d: "blocked", e: "blocked" })
    await complete((await lease(q))[0]!)
    await complete((await lease(q))[0]!)
    await complete((await lease(q))[0]!)
    expect((await go(t.workflows.workflowGet({ id: workflow.id }))).status).toBe("completed")
  })

  it("runs a dependent with on_dependency_failure run, which sees the failed status", async () => {
    const q = setup()
    await go(t.workflows.workflowCreate({ jobs: [job(q, "a"), { ...job(q, "z", "a"), onDependencyFailure: "run" }] }))
    const [a] = await lease(q)
    await failHard(a!)
    const [z] = await lease(q)
    expect(z?.key).toBe("z")
    expect(z?.dependencies).toEqual({ a: { job_id: a!.id, status: "failed", result: null } })
  })

  it("admin retry of one failed job brings back the dependents its failure cancelled", async () => {
    const q = setup()
    const { workflow } = await go(t.workflows.workflowCreate({ jobs: [job(q, "a"), job(q, "b", "a"), job(q, "c", "b")] }))
    const [a] = await lease(q)
    await failHard(a!)
    expect(await statuses(workflow.id)).toEqual({ a: "failed", b: "cancelled", c: "cancelled" })
    const again = await go(t.store.jobRetry({ id: a!.id }))
    expect(again.status).toBe("pending")
    expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "blocked", c: "blocked" })
    const cancelled = await go(t.store.jobCancel({ id: (await go(t.workflows.workflowGet({ id: workflow.id }))).jobs[1]!.job_id }))
    expect(cancelled.status).toBe("cancelled")
    expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "cancelled", c: "cancelled" })
  })

  it("adds jobs under a live lease, idempotent by key; a stale lease is lease_lost; a finished workflow refuses", async () => {
    const q = setup()
    const { workflow } = await go(t.workflows.workflowCreate({ jobs: [job(q, "split")] }))
    const [split] = await lease(q)
    const proof = { jobId: split!.id, workerId: "w", leaseToken: split!.lease_token }
    const maps = Array.from({ length: 50 }, (_, i) => job(q, `map-${i}`))
    const add = [...maps, job(q, "reduce", ...maps.map((m) => m.key))]
    const first = await go(t.workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: add, lease: proof }))
    expect(first.every((r) => !r.duplicate)).toBe(true)
    const second = await go(t.workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: add, lease: proof }))
    expect(second.map((r) => r.job_id)).toEqual(first.map((r) => r.job_id))
    expect(second.every((r) => r.duplicate)).toBe(true)
    const stale = await fails(t.workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: add, lease: { ...proof, leaseToken: "00000000-0000-4000-8000-000000000000" } }))
    expect(stale.reason).toBe("LeaseLost")
    const late = await fails(
      t.workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: [job(q, "x")], lease: proof, now: new Date(Date.now() + 3_600_000) })
    )
    expect(late.reason).toBe("LeaseLost")
    await complete(split!)
    const mapped = await lease(q, 100)
    expect(mapped).toHaveLength(50)
    await go(t.store.leaseAckMany({ workerId: "w", items: mapped.map((m) => ({ jobId: m.id, leaseToken: m.lease_token, outcome: "completed" as const, result: m.key })) }))
    const [reduce] = await lease(q)
    expect(reduce?.key).toBe("reduce")
    expect(Object.keys(reduce!.dependencies!)).toHaveLength(50)
    await complete(reduce!)
    const refused = await fails(t.workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: [job(q, "y")] }))
    expect(refused.reason).toBe("InvalidTransition")
  })

  it("adds a job whose dependency already completed (pending at once) or failed (cancelled at once)", async () => {
    const q = setup()
    const { workflow } = await go(t.workflows.workflowCreate({ jobs: [job(q, "ok"), job(q, "bad"), job(q, "hold")] }))
    const leased = await lease(q)
    await complete(leased.find((j) => j.key === "ok")!)
    await failHard(leased.find((j) => j.key === "bad")!)
    await go(t.workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: [job(q, "after-ok", "ok"), job(q, "after-bad", "bad"), job(q, "chain", "after-bad")] }))
    expect(await statuses(workflow.id)).toMatchObject({ "after-ok": "pending", "after-bad": "cancelled", chain: "cancelled" })
  })

  it("rejects bad graphs with details, creating nothing", async () => {
    const q = setup()
    const cycle = await fails(t.workflows.workflowCreate({ jobs: [job(q, "a", "c"), job(q, "b", "a"), job(q, "c", "b")] }))
    expect(cycle.reason).toBe("Validation")
    expect([...(cycle.details as { cycle: Array<string> }).cycle].sort()).toEqual(["a", "b", "c"])
    expect((await fails(t.workflows.workflowCreate({ jobs: [job(q, "a", "a")] }))).details).toMatchObject({ cycle: ["a"] })
    expect((await fails(t.workflows.workflowCreate({ jobs: [job(q, "a", "nope")] }))).details).toEqual({ index: 0 })
    expect((await fails(t.workflows.workflowCreate({ jobs: [job(q, "a"), job(q, "a")] }))).details).toEqual({ index: 1 })
    expect((await go(t.store.jobList({ queue: q, limit: 10 }))).jobs).toEqual([])
  })

  it("answers an existing idempotency key with that workflow, and cancels a running workflow once", async () => {
    const q = setup()
    const first = await go(t.workflows.workflowCreate({ idempotencyKey: `idem-${q}`, jobs: [job(q, "a"), job(q, "b", "a")] }))
    const again = await go(t.workflows.workflowCreate({ idempotencyKey: `idem-${q}`, jobs: [job(q, "other")] }))
    expect(again.duplicate).toBe(true)
    expect(again.workflow.id).toBe(first.workflow.id)
    const cancelled = await go(t.workflows.workflowCancel({ id: first.workflow.id }))
    expect(cancelled.status).toBe("cancelled")
    expect(cancelled.counts.cancelled).toBe(2)
    expect((await fails(t.workflows.workflowCancel({ id: first.workflow.id }))).reason).toBe("InvalidTransition")
    const listed = await go(t.workflows.workflowList({ status: "cancelled", limit: 500 }))
    expect(listed.workflows.map((w) => w.id)).toContain(first.workflow.id)
  })

  it("settles on the sweeper's failing of an expired lease, on bulk cancel and on bulk retry", async () => {
    const q = setup()
    const { workflow } = await go(
      t.workflows.workflowCreate({ jobs: [{ ...job(q, "a"), maxAttempts: 1 }, job(q, "b", "a"), { ...job(q, "c"), maxAttempts: 1 }, job(q, "d", "c")] })
    )
    const leased = await lease(q)
    const later = new Date(Date.now() + 120_000)
    expect((await go(t.store.jobRescueExpired({ now: later }))).failed).toBeGreaterThanOrEqual(2)
    expect(await statuses(workflow.id)).toEqual({ a: "failed", b: "cancelled", c: "failed", d: "cancelled" })
    const ids = leased.map((j) => j.id)
    const retried = await go(t.store.jobRetryMany({ ids }))
    expect(retried.every((r) => r.ok)).toBe(true)
    expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "blocked", c: "pending", d: "blocked" })
    const cancelled = await go(t.store.jobCancelMany({ ids: [leased.find((j) => j.key === "c")!.id] }))
    expect(cancelled[0]?.ok).toBe(true)
    expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "blocked", c: "cancelled", d: "cancelled" })
    expect(await go(t.store.jobCancelMatching({ filter: { queue: q, status: "blocked" } }))).toBe(1)
    expect(await statuses(workflow.id)).toMatchObject({ b: "cancelled" })
  })
})
