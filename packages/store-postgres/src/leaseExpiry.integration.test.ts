import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { StoreError } from "@leasehold/core"
import { setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore()
})
afterAll(async () => {
  await t?.close()
})

const go = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(e)
const reason = async <A>(e: Effect.Effect<A, StoreError>) => (await Effect.runPromise(Effect.flip(e))).reason
const T0 = new Date("2030-01-01T00:00:00.000Z")
const at = (s: number) => new Date(T0.getTime() + s * 1000)

describe("expired leases", () => {
  it("re-leases with a new token and attempts + 1; the old token is rejected by every write", async () => {
    const queue = "expiry"
    await go(t.store.jobEnqueueMany({ jobs: Array.from({ length: 8 }, () => ({ type: "t", queue, maxAttempts: 5 })), now: T0 }))
    const first = await go(t.store.jobLeaseAcquire({ workerId: "old", queues: [queue], maxJobs: 8, leaseSeconds: 10, now: at(1) }))
    expect(first).toHaveLength(8)
    expect(await go(t.store.jobLeaseAcquire({ workerId: "new", queues: [queue], maxJobs: 8, leaseSeconds: 10, now: at(10) }))).toEqual([])
    const second = await go(t.store.jobLeaseAcquire({ workerId: "new", queues: [queue], maxJobs: 8, leaseSeconds: 10, now: at(12) }))
    expect(second.map((j) => j.id).sort()).toEqual(first.map((j) => j.id).sort())
    for (const job of second) {
      const old = first.find((f) => f.id === job.id)!
      expect(job.lease_token).not.toBe(old.lease_token)
      expect(job.attempts).toBe(old.attempts + 1)
      expect(job.worker_id).toBe("new")
    }
    const [a, b, c, d, e, f] = first
    const proof = (j: typeof a) => ({ id: j!.id, workerId: "old", leaseToken: j!.lease_token, now: at(13) })
    expect(await reason(t.store.jobRenewIfLeased(proof(a)))).toBe("LeaseLost")
    expect(await reason(t.store.jobCompleteIfLeased({ ...proof(b), result: 1 }))).toBe("LeaseLost")
    expect(await reason(t.store.jobFailIfLeased({ ...proof(c), error: { message: "x" } }))).toBe("LeaseLost")
    expect(await reason(t.store.jobReleaseIfLeased(proof(d)))).toBe("LeaseLost")
    const acks = await go(
      t.store.leaseAckMany({
        workerId: "old",
        now: at(13),
        items: [
          { jobId: e!.id, leaseToken: e!.lease_token, outcome: "completed" },
          { jobId: f!.id, leaseToken: f!.lease_token, outcome: "failed", error: { message: "x" } }
        ]
      })
    )
    expect(acks.map((r) => [r.ok, r.error?.code])).toEqual([[false, "lease_lost"], [false, "lease_lost"]])
    const renews = await go(
      t.store.leaseRenewMany({ workerId: "old", now: at(13), items: first.map((j) => ({ jobId: j.id, leaseToken: j.lease_token })) })
    )
    expect(renews.every((r) => !r.ok && r.error?.code === "lease_lost")).toBe(true)
    const rows = await t.sql<{ status: string; worker_id: string; attempts: number; result: unknown }[]>`
      select status, worker_id, attempts, result from jobs where queue = ${queue}`
    expect(rows.every((r) => r.status === "processing" && r.worker_id === "new" && r.attempts === 2 && r.result === null)).toBe(true)
    for (const job of second) {
      const done = await go(t.store.jobCompleteIfLeased({ id: job.id, workerId: "new", leaseToken: job.lease_token, now: at(14) }))
      expect(done.status).toBe("completed")
    }
  })

  it("leaves an expired lease without attempts left to recover, which fails it", async () => {
    const queue = "expiry-exhausted"
    const { job } = await go(t.store.jobEnqueue({ job: { type: "t", queue, maxAttempts: 1 }, now: T0 }))
    const [leased] = await go(t.store.jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 1, leaseSeconds: 5, now: at(1) }))
    expect(leased?.id).toBe(job.id)
    expect(await go(t.store.jobLeaseAcquire({ workerId: "w2", queues: [queue], maxJobs: 1, leaseSeconds: 5, now: at(60) }))).toEqual([])
    expect(await go(t.store.jobRescueExpired({ now: at(60) }))).toEqual({ retried: 0, failed: 1 })
    const failed = await go(t.store.jobGet({ id: job.id }))
    expect(failed).toMatchObject({ status: "failed", attempts: 1, worker_id: null, lease_expires_at: null, last_error: "lease expired" })
    expect(failed.errors).toEqual([{ attempt: 1, message: "lease expired", at: at(60).toISOString() }])
    expect(await reason(t.store.jobCompleteIfLeased({ id: job.id, workerId: "w", leaseToken: leased!.lease_token, now: at(61) }))).toBe(
      "LeaseLost"
    )
    expect(await go(t.store.jobRescueExpired({ now: at(120) }))).toEqual({ retried: 0, failed: 0 })
  })
})
