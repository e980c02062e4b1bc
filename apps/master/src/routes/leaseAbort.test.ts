import { Effect } from "effect"
import { describe, expect, it } from "vitest"
import { API_BASE, type LeasedJob } from "@leasehold/contracts"
import type { JobStoreShape } from "@leasehold/core"
import { buildApp } from "../app.ts"
import { resolveConfig } from "../config.ts"
import { silentLogger } from "../http/Logger.ts"
import { makeLeaseWaiters } from "../longPoll/LeaseWaiters.ts"
import { makeMetrics } from "../metrics/Metrics.ts"
import { makeWorkerRegistry } from "../registry/WorkerRegistry.ts"

/**
 * The HTTP layer's half of "a disconnected client leaves no lease": when the lease is taken while the
 * client goes away, the handler gives it back. The store here only records calls; the database side
 * (a disconnect during a long-poll) is covered in test/longPoll.integration.test.ts.
 */
describe("a lease taken for a client that is gone", () => {
  it("is released and never answered", async () => {
    const controller = new AbortController()
    const released: Array<[number, string]> = []
    const job = { id: 42, queue: "default", lease_token: "tok" } as unknown as LeasedJob
    const store = {
      jobLeaseAcquire: () =>
        Effect.promise(async () => {
          controller.abort()
          return [job]
        }),
      jobReleaseIfLeased: (p: { id: number; leaseToken: string }) =>
        Effect.sync(() => {
          released.push([p.id, p.leaseToken])
          return job as never
        }),
      workerTouch: () => Effect.void
    } as unknown as JobStoreShape
    const app = buildApp({
      store,
      config: resolveConfig({}),
      log: silentLogger,
      metrics: makeMetrics(async () => null),
      waiters: makeLeaseWaiters(),
      workers: makeWorkerRegistry(store, silentLogger),
      ping: async () => {}
    })
    const res = await app.request(
      new Request(`http://x${API_BASE}/jobs/lease`, {
        method: "POST",
        body: JSON.stringify({ worker_id: "w" }),
        headers: { "content-type": "application/json" },
        signal: controller.signal
      })
    )
    expect(released).toEqual([[42, "tok"]])
    // 499 (client closed request) with no body: the lease token never leaves the master.
    expect(res.status).toBe(499)
    expect(await res.text()).toBe("")
  })
})
