import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { notificationLog, setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore()
})
afterAll(async () => {
  await t?.close()
})

const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const fails = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(Effect.flip(e))

describe("smoke", () => {
  it("enqueues, leases and completes", async () => {
    const { job, duplicate } = await go(t.store.jobEnqueue({ job: { type: "a", queue: "smoke", payload: { x: 1 } } }))
    expect(duplicate).toBe(false)
    expect(job.status).toBe("pending")
    const leased = await go(t.store.jobLeaseAcquire({ workerId: "w1", queues: ["smoke"], maxJobs: 5, leaseSeconds: 30 }))
    expect(leased.map((j) => j.id)).toEqual([job.id])
    const l = leased[0]!
    expect(l.attempts).toBe(1)
    const done = await go(t.store.jobCompleteIfLeased({ id: l.id, workerId: "w1", leaseToken: l.lease_token, result: [true] }))
    expect(done.status).toBe("completed")
    expect(done.result).toEqual([true])
    const again = await go(t.store.jobCompleteIfLeased({ id: l.id, workerId: "w1", leaseToken: l.lease_token, result: 5 }))
    expect(again.result).toEqual([true])
    const e = await fails(t.store.jobCompleteIfLeased({ id: l.id, workerId: "w1", leaseToken: "nope" }))
    expect(e.reason).toBe("LeaseLost")
  })
})

describe("lease order and wake-ups", () => {
  const T0 = new Date("2031-01-01T00:00:00.000Z")
  const at = (s: number) => new Date(T0.getTime() + s * 1000)

  it("orders across queues by priority desc, run_at asc, id asc, expired leases included", async () => {
    const ids = async (queue: string, priority: number, runAt: Date) =>
      (await go(t.store.jobEnqueue({ job: { type: "t", queue, priority, runAt }, now: T0 }))).job.id
    const expiring = await ids("oa", 5, at(0))
    const [first] = await go(t.store.jobLeaseAcquire({ workerId: "w", queues: ["oa"], maxJobs: 1, leaseSeconds: 10, now: at(1) }))
    expect(first?.id).toBe(expiring)
    const a = await ids("oa", 5, at(2))
    const b = await ids("ob", 9, at(3))
    const c = await ids("ob", 5, at(1))
    const d = await ids("oc", 5, at(1))
    const leased = await go(
      t.store.jobLeaseAcquire({ workerId: "w2", queues: ["oa", "ob", "oc", "oa"], maxJobs: 10, leaseSeconds: 10, now: at(60) })
    )
    expect(leased.map((j) => j.id)).toEqual([b, expiring, c, d, a])
    expect(leased[1]?.attempts).toBe(2)
  })

  it("notifies the jobs channel when a release or the sweeper makes a job leasable again", async () => {
    const log = await notificationLog(t.sql)
    try {
      await go(t.store.jobEnqueueMany({ jobs: [{ type: "t", queue: "wake-release" }, { type: "t", queue: "wake-sweep" }], now: T0 }))
      const [r] = await go(t.store.jobLeaseAcquire({ workerId: "w", queues: ["wake-release"], maxJobs: 1, leaseSeconds: 10, now: at(1) }))
      await go(t.store.jobLeaseAcquire({ workerId: "w", queues: ["wake-sweep"], maxJobs: 1, leaseSeconds: 10, now: at(1) }))
      // The enqueue's own notifications are heard and set aside before the release.
      expect((await log.fence()).sort()).toEqual(["wake-release", "wake-sweep"])
      await go(t.store.jobReleaseIfLeased({ id: r!.id, workerId: "w", leaseToken: r!.lease_token, now: at(2) }))
      expect(await log.fence()).toEqual(["wake-release"])
      expect((await go(t.store.jobRescueExpired({ now: at(30) }))).retried).toBeGreaterThanOrEqual(1)
      expect(await log.fence()).toContain("wake-sweep")
    } finally {
      await log.close()
    }
  })
})

describe("ack of completions only", () => {
  it("answers per item: done, repeated, stale token, unknown job; results stored", async () => {
    await go(t.store.jobEnqueueMany({ jobs: Array.from({ length: 3 }, () => ({ type: "t", queue: "ack-done" })) }))
    const [a, b, c] = await go(t.store.jobLeaseAcquire({ workerId: "w", queues: ["ack-done"], maxJobs: 3, leaseSeconds: 30 }))
    const results = await go(
      t.store.leaseAckMany({
        workerId: "w",
        items: [
          { jobId: a!.id, leaseToken: a!.lease_token, outcome: "completed", result: { n: 1 } },
          { jobId: b!.id, leaseToken: c!.lease_token, outcome: "completed" },
          { jobId: a!.id, leaseToken: a!.lease_token, outcome: "completed", result: "ignored" },
          { jobId: 9_999_999, leaseToken: a!.lease_token, outcome: "completed" },
          { jobId: c!.id, leaseToken: "not-a-token", outcome: "completed" },
          { jobId: c!.id, leaseToken: c!.lease_token, outcome: "completed" }
        ]
      })
    )
    expect(results.map((r) => [r.ok, r.error?.code])).toEqual([
      [true, undefined],
      [false, "lease_lost"],
      [true, undefined],
      [false, "not_found"],
      [false, "lease_lost"],
      [false, "lease_lost"]
    ])
    expect((await go(t.store.jobGet({ id: a!.id }))).result).toEqual({ n: 1 })
    expect((await go(t.store.jobGet({ id: b!.id }))).status).toBe("processing")
    const again = await go(
      t.store.leaseAckMany({ workerId: "w", items: [{ jobId: c!.id, leaseToken: c!.lease_token, outcome: "completed" }] })
    )
    expect(again).toEqual([{ job_id: c!.id, ok: true }])
    const repeat = await go(
      t.store.leaseAckMany({ workerId: "w", items: [{ jobId: c!.id, leaseToken: c!.lease_token, outcome: "completed" }] })
    )
    expect(repeat).toEqual([{ job_id: c!.id, ok: true }])
  })
})
