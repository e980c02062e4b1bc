import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { setupStore, type TestStore } from "./testing/index.ts"

/** lease_seconds and a completed job's completed_at are derived, not stored (rows.ts): reads must not tell. */
let t: TestStore
beforeAll(async () => {
  t = await setupStore()
})
afterAll(async () => {
  await t?.close()
})

const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const T0 = new Date("2032-03-04T05:06:07.000Z")
const at = (s: number) => new Date(T0.getTime() + s * 1000)
const stored = async (id: number) =>
  (await t.sql<{ lease_seconds: number | null; completed_at: Date | null }[]>`
    select lease_seconds, completed_at from jobs where id = ${id}`)[0]!

describe("derived lease duration", () => {
  it("keeps each lease's own duration through renewals that do not name one", async () => {
    const { job } = await go(t.store.jobEnqueue({ job: { type: "d", queue: "derived-renew" }, now: T0 }))
    const [l] = await go(t.store.jobLeaseAcquire({ workerId: "w", queues: ["derived-renew"], maxJobs: 1, leaseSeconds: 30, now: at(0) }))
    expect(l!.renew_after).toBe(at(15).toISOString())
    expect((await stored(job.id)).lease_seconds).toBeNull()

    const one = await go(t.store.jobRenewIfLeased({ id: job.id, workerId: "w", leaseToken: l!.lease_token, now: at(10) }))
    expect(one).toEqual({ lease_expires_at: at(40).toISOString(), renew_after: at(25).toISOString() })
    const two = await go(t.store.jobRenewIfLeased({ id: job.id, workerId: "w", leaseToken: l!.lease_token, leaseSeconds: 45, now: at(20) }))
    expect(two).toEqual({ lease_expires_at: at(65).toISOString(), renew_after: at(42.5).toISOString() })
    const [many] = await go(
      t.store.leaseRenewMany({ workerId: "w", items: [{ jobId: job.id, leaseToken: l!.lease_token }], now: at(30) })
    )
    expect(many).toEqual({ job_id: job.id, ok: true, lease_expires_at: at(75).toISOString(), renew_after: at(52.5).toISOString() })
    const read = await go(t.store.jobGet({ id: job.id }))
    expect(read.updated_at).toBe(at(30).toISOString())
    expect(read.lease_expires_at).toBe(at(75).toISOString())
  })
})

describe("derived completion time", () => {
  it("shows a completed job's completion time (ack or complete), stores it only for failed ones, and prunes by it", async () => {
    const enq = async () => (await go(t.store.jobEnqueue({ job: { type: "d", queue: "derived-done" }, now: T0 }))).job.id
    const [a, b, c] = [await enq(), await enq(), await enq()]
    const leased = await go(t.store.jobLeaseAcquire({ workerId: "w", queues: ["derived-done"], maxJobs: 3, leaseSeconds: 60, now: at(1) }))
    const token = (id: number) => leased.find((j) => j.id === id)!.lease_token
    await go(t.store.leaseAckMany({ workerId: "w", items: [{ jobId: a, leaseToken: token(a), outcome: "completed" }], now: at(2) }))
    await go(t.store.jobCompleteIfLeased({ id: b, workerId: "w", leaseToken: token(b), result: 1, now: at(3) }))
    await go(
      t.store.leaseAckMany({
        workerId: "w",
        items: [{ jobId: c, leaseToken: token(c), outcome: "failed", error: { message: "no" }, retryable: false }],
        now: at(4)
      })
    )
    for (const [id, s] of [[a, 2], [b, 3], [c, 4]] as const) {
      const job = await go(t.store.jobGet({ id }))
      expect(job.completed_at).toBe(at(s).toISOString())
      expect(job.updated_at).toBe(at(s).toISOString())
    }
    expect((await stored(a)).completed_at).toBeNull()
    expect((await stored(c)).completed_at).toEqual(at(4))

    expect(await go(t.store.jobPruneFinished({ before: at(3) }))).toBe(1)
    expect(await go(t.store.jobPruneFinished({ before: at(5) }))).toBe(2)
  })
})
