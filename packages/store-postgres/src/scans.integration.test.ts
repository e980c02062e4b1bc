import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NewScan, StoreError } from "@leasehold/core"
import { setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore({ serverMaxBatchSize: 5_000 })
})
afterAll(async () => {
  await t?.close()
})

const go = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(e)
const flip = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(Effect.flip(e))
const scan = (over: Partial<NewScan>): NewScan => ({ name: "s", type: "chunk", queue: "scans", start: 0, end: 100, ...over })

describe("scans", () => {
  it.each([
    ["start not below end", { start: 10, end: 10 }],
    ["negative start", { start: -1 }],
    ["end above 2^53", { end: 2 ** 53 + 2 }],
    ["fractional bound", { end: 10.5 }],
    ["payload with start", { payload: { start: 1 } }],
    ["payload with end", { payload: { end: 1 } }],
    ["array payload", { payload: [] as unknown as Record<string, unknown> }],
    ["zero batch size", { defaultBatchSize: 0 }],
    ["default above max", { defaultBatchSize: 20, maxBatchSize: 10 }],
    ["bad name", { name: "Bad Name" }],
    ["max attempts out of range", { maxAttempts: 101 }]
  ])("rejects %s with Validation", async (_, over) => {
    expect((await flip(t.store.scanCreate({ scan: scan({ name: "rejected", ...over }) }))).reason).toBe("Validation")
  })

  it("defaults batch sizes to min(1000, max) and the server maximum", async () => {
    const small = await go(t.store.scanCreate({ scan: scan({ name: "small-max", maxBatchSize: 50 }) }))
    expect(small).toMatchObject({ default_batch_size: 50, max_batch_size: 50, cursor: 0, paused: false, done: false })
    const dflt = await go(t.store.scanCreate({ scan: scan({ name: "defaults", end: 2 ** 53 }) }))
    expect(dflt).toMatchObject({ default_batch_size: 1000, max_batch_size: 5_000, end: 2 ** 53, total_units: 2 ** 53 })
    expect((await flip(t.store.scanCreate({ scan: scan({ name: "defaults" }) }))).reason).toBe("Conflict")
  })

  it("carves ranges up to 2^53 exactly", async () => {
    await go(t.store.scanCreate({ scan: scan({ name: "huge", queue: "huge", start: 2 ** 53 - 2500, end: 2 ** 53, maxBatchSize: 1000 }) }))
    const jobs = await go(
      t.store.jobLeaseAcquire({ workerId: "w", queues: ["huge"], maxJobs: 10, leaseSeconds: 30, requestedBatchSize: 1000 })
    )
    expect(jobs.map((j) => j.payload)).toEqual([
      { start: 2 ** 53 - 2500, end: 2 ** 53 - 1500 },
      { start: 2 ** 53 - 1500, end: 2 ** 53 - 500 },
      { start: 2 ** 53 - 500, end: 2 ** 53 }
    ])
    expect(await go(t.store.scanGet({ name: "huge" }))).toMatchObject({ cursor: 2 ** 53, done: false })
    for (const j of jobs) await go(t.store.jobCompleteIfLeased({ id: j.id, workerId: "w", leaseToken: j.lease_token }))
    expect(await go(t.store.scanGet({ name: "huge" }))).toMatchObject({ completed_units: 2500, progress: 1, done: true })
  })

  it("rejects a requested batch size above the server maximum when the queues have no scan", async () => {
    const e = await flip(
      t.store.jobLeaseAcquire({ workerId: "w", queues: ["no-scan"], maxJobs: 1, leaseSeconds: 30, requestedBatchSize: 5_001 })
    )
    expect(e.reason).toBe("Validation")
    expect(
      await go(t.store.jobLeaseAcquire({ workerId: "w", queues: ["no-scan"], maxJobs: 1, leaseSeconds: 30, requestedBatchSize: 5_000 }))
    ).toEqual([])
  })
})
