import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { JobStore } from "./JobStore.ts"
import { layerMemory, makeMemoryJobStore } from "./MemoryJobStore.ts"
import { BACKOFF_UNDER_TEST, backoffDistributionSuite, jobStoreConformance, seededRandom } from "./testing/index.ts"

jobStoreConformance("memory", async () => ({ store: makeMemoryJobStore(), close: async () => {} }))
backoffDistributionSuite("memory", async () => ({
  store: makeMemoryJobStore({ retry: { ...BACKOFF_UNDER_TEST, random: seededRandom("memory store backoff jitter") } }),
  close: async () => {}
}))

describe("MemoryJobStore options", () => {
  const now = new Date("2030-01-01T00:00:00.000Z")

  it("is provided as the JobStore service by layerMemory", async () => {
    const program = Effect.gen(function* () {
      const store = yield* JobStore
      const { job } = yield* store.jobEnqueue({ job: { type: "t", queue: "q" }, now })
      return yield* store.jobGet({ id: job.id })
    })
    const job = await Effect.runPromise(Effect.provide(program, layerMemory()))
    expect(job).toMatchObject({ type: "t", queue: "q", status: "pending" })
  })

  it("uses the configured retry policy for backoff", async () => {
    const store = makeMemoryJobStore({ retry: { baseMs: 200, random: () => 0.5 } })
    await Effect.runPromise(store.jobEnqueue({ job: { type: "t", queue: "q" }, now }))
    const [leased] = await Effect.runPromise(store.jobLeaseAcquire({ workerId: "w", queues: ["q"], maxJobs: 1, leaseSeconds: 10, now }))
    const failed = await Effect.runPromise(
      store.jobFailIfLeased({ id: leased!.id, workerId: "w", leaseToken: leased!.lease_token, error: { message: "e" }, now })
    )
    expect(failed.run_at).toBe("2030-01-01T00:00:00.100Z")
  })

  it("uses the configured server max batch size for scans and requested sizes", async () => {
    const store = makeMemoryJobStore({ maxBatchSize: 500 })
    const scan = await Effect.runPromise(store.scanCreate({ scan: { name: "s", type: "t", queue: "q", start: 0, end: 10_000 } }))
    expect(scan).toMatchObject({ max_batch_size: 500, default_batch_size: 500 })
    const lease = (requestedBatchSize: number, queues = ["q"]) =>
      Effect.runPromise(Effect.result(store.jobLeaseAcquire({ workerId: "w", queues, maxJobs: 1, leaseSeconds: 10, requestedBatchSize, now })))
    expect((await lease(501))._tag).toBe("Failure")
    expect((await lease(501, ["empty"]))._tag).toBe("Failure")
    expect((await lease(500, ["empty"]))._tag).toBe("Success")
  })
})
