import { describe, expect, it } from "vitest"
import { failsWith, run, testClock, unique } from "./support.ts"
import { useWorkflowStores, wfJob as job, workflowHelpers, type MakeWorkflowStores } from "./workflowSupport.ts"

/** Workflows through both ports: graphs, unblocking on every path that ends a job, failure policy, adds, cancel, retry. */
export const workflowSuite = (make: MakeWorkflowStores): void =>
  void describe("workflows", () => {
    const h = useWorkflowStores(make)
    const clock = testClock(new Date("2034-02-01T00:00:00.000Z"))
    const { lease, complete, failHard, statuses, ids } = workflowHelpers(h, clock)
    const now = () => clock.now()
    const create = (jobs: Parameters<ReturnType<typeof h>["workflows"]["workflowCreate"]>[0]["jobs"], extra: { name?: string; idempotencyKey?: string } = {}) =>
      run(h().workflows.workflowCreate({ jobs, ...extra, now: now() }))

    it("runs a diamond level by level, with waiting_for on reads and dependencies on leases", async () => {
      const q = unique("wq")
      const { workflow, duplicate } = await create([job(q, "a"), job(q, "b", "a"), job(q, "c", "a"), job(q, "d", "b", "c")], { name: "diamond" })
      expect(duplicate).toBe(false)
      expect(workflow).toMatchObject({ name: "diamond", status: "running", finished_at: null })
      expect(workflow.counts).toEqual({ blocked: 3, pending: 1, processing: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 })
      const d = workflow.jobs.find((n) => n.key === "d")!
      expect(d).toMatchObject({ key: "d", type: "t", queue: q, status: "blocked", depends_on: ["b", "c"] })
      const dRead = await run(h().store.jobGet({ id: d.job_id }))
      expect(dRead).toMatchObject({ workflow_id: workflow.id, key: "d", depends_on: ["b", "c"], waiting_for: ["b", "c"] })

      const [a] = await lease(q)
      expect(a?.workflow).toEqual({ id: workflow.id, key: "a" })
      expect(a?.dependencies).toEqual({})
      expect(await lease(q)).toEqual([])
      await complete(a!, { n: 1 })
      const bc = await lease(q)
      expect(bc.map((j) => j.key).sort()).toEqual(["b", "c"])
      expect(bc[0]!.dependencies).toEqual({ a: { job_id: a!.id, status: "completed", result: { n: 1 } } })
      await complete(bc[0]!, "first")
      expect((await run(h().store.jobGet({ id: d.job_id }))).waiting_for).toEqual([bc[1]!.key])
      const acked = await run(
        h().store.leaseAckMany({ workerId: "w-wf", items: [{ jobId: bc[1]!.id, leaseToken: bc[1]!.lease_token, outcome: "completed", result: 2 }], now: now() })
      )
      expect(acked).toEqual([{ job_id: bc[1]!.id, ok: true }])
      const pendingD = await run(h().store.jobGet({ id: d.job_id }))
      expect(pendingD.status).toBe("pending")
      expect(pendingD.waiting_for).toBeUndefined()
      const [last] = await lease(q)
      expect(last?.key).toBe("d")
      expect(last!.dependencies).toEqual({
        b: { job_id: bc.find((j) => j.key === "b")!.id, status: "completed", result: bc[0]!.key === "b" ? "first" : 2 },
        c: { job_id: bc.find((j) => j.key === "c")!.id, status: "completed", result: bc[0]!.key === "c" ? "first" : 2 }
      })
      await complete(last!)
      const done = await run(h().workflows.workflowGet({ id: workflow.id }))
      expect(done.status).toBe("completed")
      expect(done.finished_at).toBe(now().toISOString())
      const listed = await run(h().store.jobList({ workflowId: workflow.id, limit: 10 }))
      expect(listed.jobs.map((j) => j.key)).toEqual(["a", "b", "c", "d"])
    })

    it("unblocks a job through an ack carried by a lease call, leasable by that same call", async () => {
      const q = unique("wq")
      await create([job(q, "a"), job(q, "b", "a")])
      const [a] = await lease(q)
      const out = await run(
        h().store.jobLeaseAcquireAfterAcks({
          workerId: "w-wf",
          queues: [q],
          maxJobs: 5,
          leaseSeconds: 60,
          acks: [{ jobId: a!.id, leaseToken: a!.lease_token, outcome: "completed", result: "A" }],
          now: now()
        })
      )
      expect(out.acks).toEqual([{ job_id: a!.id, ok: true }])
      expect(out.jobs.map((j) => j.key)).toEqual(["b"])
      expect(out.jobs[0]!.dependencies).toEqual({ a: { job_id: a!.id, status: "completed", result: "A" } })
    })

    it("cancels descendants of a poison job transitively, naming the direct dependency; workflow retry completes it", async () => {
      const q = unique("wq")
      const { workflow } = await create([job(q, "a"), job(q, "b", "a"), job(q, "c", "a"), job(q, "d", "b", "c"), job(q, "e", "d")])
      await complete((await lease(q))[0]!)
      const bc = await lease(q)
      await failHard(bc.find((j) => j.key === "b")!)
      expect(await statuses(workflow.id)).toEqual({ a: "completed", b: "failed", c: "processing", d: "cancelled", e: "cancelled" })
      const id = await ids(workflow.id)
      expect((await run(h().store.jobGet({ id: id.d! }))).last_error).toBe("dependency b failed")
      expect((await run(h().store.jobGet({ id: id.e! }))).last_error).toBe("dependency d cancelled")
      await complete(bc.find((j) => j.key === "c")!)
      const failed = await run(h().workflows.workflowGet({ id: workflow.id }))
      expect(failed.status).toBe("failed")
      expect(failed.finished_at).not.toBeNull()

      const retried = await run(h().workflows.workflowRetry({ id: workflow.id, now: now() }))
      expect(retried.status).toBe("running")
      expect(retried.finished_at).toBeNull()
      expect(await statuses(workflow.id)).toEqual({ a: "completed", b: "pending", c: "completed", d: "blocked", e: "blocked" })
      expect((await run(h().store.jobGet({ id: id.d! }))).last_error).toBeNull()
      for (const key of ["b", "d", "e"]) {
        const [next] = await lease(q)
        expect(next?.key).toBe(key)
        await complete(next!)
      }
      expect((await run(h().workflows.workflowGet({ id: workflow.id }))).status).toBe("completed")
      const again = await run(h().workflows.workflowRetry({ id: workflow.id, now: now() }))
      expect(again.status).toBe("completed")
    })

    it("runs a dependent with on_dependency_failure run, which sees the failed status", async () => {
      const q = unique("wq")
      await create([job(q, "a"), { ...job(q, "z", "a"), onDependencyFailure: "run" }])
      const [a] = await lease(q)
      await failHard(a!)
      const [z] = await lease(q)
      expect(z?.key).toBe("z")
      expect(z?.dependencies).toEqual({ a: { job_id: a!.id, status: "failed", result: null } })
    })

    it("a run dependent waits again for a dependency that is retried after it counted its failure", async () => {
      const q = unique("wq")
      const { workflow } = await create([job(q, "a"), job(q, "b"), { ...job(q, "x", "a", "b"), onDependencyFailure: "run" }])
      const leased = await lease(q)
      const a = leased.find((j) => j.key === "a")!
      await failHard(a)
      await run(h().store.jobRetry({ id: a.id, now: now() }))
      await complete(leased.find((j) => j.key === "b")!)
      expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "completed", x: "blocked" })
      await failHard((await lease(q))[0]!)
      expect(await statuses(workflow.id)).toEqual({ a: "failed", b: "completed", x: "pending" })
      const [x] = await lease(q)
      expect(x?.dependencies?.a?.status).toBe("failed")
    })

    it("admin retry of one failed job brings back the dependents its failure cancelled; cancelling one propagates", async () => {
      const q = unique("wq")
      const { workflow } = await create([job(q, "a"), job(q, "b", "a"), job(q, "c", "b")])
      const [a] = await lease(q)
      await failHard(a!)
      expect(await statuses(workflow.id)).toEqual({ a: "failed", b: "cancelled", c: "cancelled" })
      const again = await run(h().store.jobRetry({ id: a!.id, now: now() }))
      expect(again).toMatchObject({ status: "pending", attempts: 0 })
      expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "blocked", c: "blocked" })
      const id = await ids(workflow.id)
      const cancelled = await run(h().store.jobCancel({ id: id.b!, now: now() }))
      expect(cancelled.status).toBe("cancelled")
      expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "cancelled", c: "cancelled" })
      expect((await run(h().store.jobGet({ id: id.c! }))).last_error).toBe("dependency b cancelled")
    })

    it("adds jobs under a live lease, idempotent by key; a stale or expired lease is LeaseLost; a finished workflow refuses", async () => {
      const q = unique("wq")
      const { workflow } = await create([job(q, "split")])
      const [split] = await lease(q)
      const proof = { jobId: split!.id, workerId: "w-wf", leaseToken: split!.lease_token }
      const maps = Array.from({ length: 50 }, (_, i) => job(q, `map-${i}`))
      const add = [...maps, job(q, "reduce", ...maps.map((m) => m.key))]
      const first = await run(h().workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: add, lease: proof, now: now() }))
      expect(first.map((r) => r.key)).toEqual(add.map((j) => j.key))
      expect(first.every((r) => !r.duplicate)).toBe(true)
      const second = await run(h().workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: add, lease: proof, now: now() }))
      expect(second.map((r) => r.job_id)).toEqual(first.map((r) => r.job_id))
      expect(second.every((r) => r.duplicate)).toBe(true)
      const bogus = { ...proof, leaseToken: "00000000-0000-4000-8000-000000000000" }
      await failsWith(h().workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: [job(q, "x")], lease: bogus, now: now() }), "LeaseLost")
      await failsWith(
        h().workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: [job(q, "x")], lease: proof, now: clock.at(3_600_000 * 24 * 400) }),
        "LeaseLost"
      )
      await complete(split!)
      const mapped = await lease(q, 100)
      expect(mapped.map((m) => m.key).sort()).toEqual(maps.map((m) => m.key).sort())
      await run(
        h().store.leaseAckMany({
          workerId: "w-wf",
          items: mapped.map((m) => ({ jobId: m.id, leaseToken: m.lease_token, outcome: "completed" as const, result: m.key })),
          now: now()
        })
      )
      const [reduce] = await lease(q)
      expect(reduce?.key).toBe("reduce")
      expect(Object.values(reduce!.dependencies!).map((d) => d.result).sort()).toEqual(maps.map((m) => m.key).sort())
      await complete(reduce!)
      await failsWith(h().workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: [job(q, "y")], now: now() }), "InvalidTransition")
      await failsWith(h().workflows.workflowJobsAdd({ workflowId: 987_654_321, jobs: [job(q, "y")], now: now() }), "NotFound")
    })

    it("adds a job whose dependency already completed (pending at once) or failed (cancelled at once, transitively)", async () => {
      const q = unique("wq")
      const { workflow } = await create([job(q, "ok"), job(q, "bad"), job(q, "hold")])
      const leased = await lease(q)
      await complete(leased.find((j) => j.key === "ok")!)
      await failHard(leased.find((j) => j.key === "bad")!)
      const added = await run(
        h().workflows.workflowJobsAdd({
          workflowId: workflow.id,
          jobs: [job(q, "chain", "after-bad"), job(q, "after-ok", "ok"), job(q, "after-bad", "bad"), { ...job(q, "runs", "bad"), onDependencyFailure: "run" }],
          now: now()
        })
      )
      expect(added.map((a) => a.key)).toEqual(["chain", "after-ok", "after-bad", "runs"])
      expect(await statuses(workflow.id)).toMatchObject({ "after-ok": "pending", "after-bad": "cancelled", chain: "cancelled", runs: "pending" })
      await failsWith(h().workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: [job(q, "z", "nope")], now: now() }), "Validation")
    })

    it("rejects bad graphs with details, creating nothing", async () => {
      const q = unique("wq")
      const cycle = await failsWith(h().workflows.workflowCreate({ jobs: [job(q, "a", "c"), job(q, "b", "a"), job(q, "c", "b"), job(q, "x")], now: now() }), "Validation")
      expect([...(cycle.details as { cycle: Array<string> }).cycle].sort()).toEqual(["a", "b", "c"])
      expect((await failsWith(h().workflows.workflowCreate({ jobs: [job(q, "a", "a")], now: now() }), "Validation")).details).toMatchObject({ cycle: ["a"] })
      expect((await failsWith(h().workflows.workflowCreate({ jobs: [job(q, "a", "nope")], now: now() }), "Validation")).details).toEqual({ index: 0 })
      expect((await failsWith(h().workflows.workflowCreate({ jobs: [job(q, "a"), job(q, "a")], now: now() }), "Validation")).details).toEqual({ index: 1 })
      expect((await failsWith(h().workflows.workflowCreate({ jobs: [job(q, "bad key")], now: now() }), "Validation")).details).toEqual({ index: 0 })
      await failsWith(h().workflows.workflowCreate({ jobs: [], now: now() }), "Validation")
      await failsWith(h().workflows.workflowCreate({ jobs: Array.from({ length: 10_001 }, (_, i) => job(q, `k${i}`)), now: now() }), "Validation")
      expect((await run(h().store.jobList({ queue: q, limit: 10 }))).jobs).toEqual([])
    })

    it("answers an existing idempotency key with that workflow, cancels a running workflow once, lists by status", async () => {
      const q = unique("wq")
      const key = unique("idem")
      const first = await create([job(q, "a"), job(q, "b", "a")], { idempotencyKey: key })
      const again = await create([job(q, "other")], { idempotencyKey: key })
      expect(again.duplicate).toBe(true)
      expect(again.workflow.id).toBe(first.workflow.id)
      expect(again.workflow.jobs.map((j) => j.key)).toEqual(["a", "b"])
      const [a] = await lease(q)
      const cancelled = await run(h().workflows.workflowCancel({ id: first.workflow.id, now: now() }))
      expect(cancelled.status).toBe("cancelled")
      expect(cancelled.counts.cancelled).toBe(2)
      await failsWith(h().store.jobCompleteIfLeased({ id: a!.id, workerId: "w-wf", leaseToken: a!.lease_token, now: now() }), "LeaseLost")
      await failsWith(h().workflows.workflowCancel({ id: first.workflow.id, now: now() }), "InvalidTransition")
      await failsWith(h().workflows.workflowCancel({ id: 987_654_321, now: now() }), "NotFound")
      const listed = await run(h().workflows.workflowList({ status: "cancelled", limit: 500 }))
      expect(listed.workflows.map((w) => w.id)).toContain(first.workflow.id)
      expect(listed.workflows.every((w) => w.status === "cancelled")).toBe(true)
      expect(listed.workflows[0]).not.toHaveProperty("jobs")
      await failsWith(h().workflows.workflowList({ limit: 10, cursor: "not a cursor" }), "Validation")
    })

    it("pages workflows by id ascending", async () => {
      const q = unique("wq")
      const made = []
      for (let i = 0; i < 3; i++) made.push((await create([job(q, "only")])).workflow.id)
      const seen: Array<number> = []
      let cursor: string | undefined
      for (;;) {
        const page = await run(h().workflows.workflowList({ limit: 2, cursor }))
        seen.push(...page.workflows.map((w) => w.id))
        if (page.next_cursor === null) break
        cursor = page.next_cursor
      }
      expect(seen).toEqual([...seen].sort((a, b) => a - b))
      expect(seen).toEqual(expect.arrayContaining(made))
    })

    it("settles on the sweeper's failing of an expired lease, on bulk cancel and on bulk retry", async () => {
      const q = unique("wq")
      const { workflow } = await create([{ ...job(q, "a"), maxAttempts: 1 }, job(q, "b", "a"), { ...job(q, "c"), maxAttempts: 1 }, job(q, "d", "c")])
      const leased = await lease(q)
      clock.advance(120_000)
      expect((await run(h().store.jobRescueExpired({ now: now() }))).failed).toBeGreaterThanOrEqual(2)
      expect(await statuses(workflow.id)).toEqual({ a: "failed", b: "cancelled", c: "failed", d: "cancelled" })
      const retried = await run(h().store.jobRetryMany({ ids: leased.map((j) => j.id), now: now() }))
      expect(retried.every((r) => r.ok)).toBe(true)
      expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "blocked", c: "pending", d: "blocked" })
      const cancelled = await run(h().store.jobCancelMany({ ids: [leased.find((j) => j.key === "c")!.id], now: now() }))
      expect(cancelled[0]?.ok).toBe(true)
      expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "blocked", c: "cancelled", d: "cancelled" })
      expect(await run(h().store.jobCancelMatching({ filter: { queue: q, status: "blocked" }, now: now() }))).toBe(1)
      expect(await statuses(workflow.id)).toMatchObject({ b: "cancelled" })
      expect(await run(h().store.jobRetryMatching({ filter: { queue: q, status: "cancelled" }, now: now() }))).toBe(3)
      expect(await statuses(workflow.id)).toEqual({ a: "pending", b: "blocked", c: "pending", d: "blocked" })
    })

    it("counts a delay_ms from the unblocking and keeps a run_at absolute", async () => {
      const q = unique("wq")
      const at = now()
      const { workflow } = await create([job(q, "a"), { ...job(q, "b", "a"), delayMs: 10_000 }, { ...job(q, "c", "a"), runAt: new Date(at.getTime() + 5_000) }])
      clock.advance(60_000)
      await complete((await lease(q))[0]!)
      const id = await ids(workflow.id)
      expect((await run(h().store.jobGet({ id: id.b! }))).run_at).toBe(new Date(now().getTime() + 10_000).toISOString())
      expect((await run(h().store.jobGet({ id: id.c! }))).run_at).toBe(now().toISOString())
    })

    it("prunes a finished workflow whole, never in part", async () => {
      const q = unique("wq")
      const { workflow } = await create([job(q, "a"), job(q, "b", "a")])
      await complete((await lease(q))[0]!)
      const later = new Date(now().getTime() + 1000)
      await run(h().store.workflowPruneFinished({ before: later, limit: 1000 })) // other tests' finished workflows go
      const ids0 = await ids(workflow.id)
      expect((await run(h().store.jobGet({ id: ids0.a! }))).status).toBe("completed")
      await complete((await lease(q))[0]!)
      expect(await run(h().store.jobPruneFinishedStep({ before: later, afterId: ids0.a! - 1, limit: 2 }))).toMatchObject({ deleted: 0 })
      expect(await run(h().store.workflowPruneFinished({ before: later, limit: 1000 }))).toBeGreaterThanOrEqual(2)
      await failsWith(h().workflows.workflowGet({ id: workflow.id }), "NotFound")
      await failsWith(h().store.jobGet({ id: ids0.a! }), "NotFound")
    })
  })
