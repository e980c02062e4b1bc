import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
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
