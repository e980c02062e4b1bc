import { Effect } from "effect"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobStoreShape, StoreError } from "@leasehold/core"
import { makePgJobStore } from "./PgJobStore.ts"
import { setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
let traced: postgres.Sql
let store: JobStoreShape
const statements: string[] = []
beforeAll(async () => {
  t = await setupStore()
  traced = postgres(t.url, { max: 1, onnotice: () => {}, debug: (_conn, query) => void statements.push(query) })
  await traced`select 1`
  store = makePgJobStore({ sql: traced })
})
afterAll(async () => {
  await traced?.end()
  await t?.close()
})

const go = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(e)
/** Statements the store sent while running `e`. */
const count = async <A>(e: Effect.Effect<A, StoreError>): Promise<{ value: A; statements: number }> => {
  statements.length = 0
  const value = await go(e)
  return { value, statements: statements.length }
}

describe("hot paths are single statements", () => {
  it("enqueue many, lease many, ack many and renew many each send one statement", async () => {
    const jobs = Array.from({ length: 1000 }, (_, i) => ({ type: "t", queue: "rt", payload: { i } }))
    const enq = await count(store.jobEnqueueMany({ jobs }))
    expect(enq).toMatchObject({ statements: 1 })
    expect(enq.value).toHaveLength(1000)
    const lease = await count(store.jobLeaseAcquire({ workerId: "w", queues: ["rt", "rt-other"], maxJobs: 100, leaseSeconds: 60 }))
    expect(lease.statements).toBe(1)
    expect(lease.value).toHaveLength(100)
    const items = lease.value.map((j) => ({ jobId: j.id, leaseToken: j.lease_token }))
    const renew = await count(store.leaseRenewMany({ workerId: "w", items }))
    expect(renew.statements).toBe(1)
    expect(renew.value.every((r) => r.ok)).toBe(true)
    const ack = await count(
      store.leaseAckMany({
        workerId: "w",
        items: items.map((it, i) =>
          i % 2 === 0
            ? { ...it, outcome: "completed" as const, result: { i } }
            : { ...it, outcome: "failed" as const, error: { message: "no" }, retryable: false }
        )
      })
    )
    expect(ack.statements).toBe(1)
    expect(ack.value.every((r) => r.ok)).toBe(true)
  })

  it("leasing that carves scan batches is still one statement", async () => {
    await go(store.scanCreate({ scan: { name: "rt-scan", type: "chunk", queue: "rt-scan", start: 0, end: 10_000 } }))
    const lease = await count(
      store.jobLeaseAcquire({ workerId: "w", queues: ["rt-scan"], maxJobs: 7, leaseSeconds: 60, requestedBatchSize: 100 })
    )
    expect(lease.statements).toBe(1)
    expect(lease.value.map((j) => j.payload)).toEqual(Array.from({ length: 7 }, (_, i) => ({ start: i * 100, end: i * 100 + 100 })))
  })
})
