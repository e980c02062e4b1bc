import { describe, expect, it } from "vitest"
import type { WorkerPoolConfig } from "./PoolConfig.ts"
import { FakeMaster } from "./testing/FakeMaster.ts"
import { poolHarness, until } from "./testing/poolHarness.ts"
import type { WorkerPool } from "./WorkerPool.ts"

/** `afterLeases`: handlers finish only once that many lease calls have been made. */
const makePool = poolHarness({ workerId: "w-acks" })
const setup = (ackWindowMs: number, waitMs: number, overrides: Partial<WorkerPoolConfig> = {}, afterLeases = 0) => {
  const master = new FakeMaster()
  const handlers = { work: async () => (afterLeases > 0 ? until(() => master.calls.lease.length >= afterLeases).then(() => "done") : "done") }
  return makePool({ handlers, waitMs, ackWindowMs, ...overrides }, master)
}

describe("WorkerPool: one round trip per cycle", () => {
  it("outcomes ride on the next lease call under a backlog; none goes alone", async () => {
    // An ack window far longer than the run: an outcome can only have gone out on a lease.
    const { master, pool, events } = setup(60_000, 50)
    for (let i = 0; i < 300; i++) master.enqueue("work")
    pool.start()
    await until(() => master.count("completed") === 300)
    expect(master.calls.ack).toEqual([])
    expect(master.calls.leaseAcks.reduce((a, b) => a + b, 0)).toBe(300)
    await until(() => events.filter((e) => e.type === "job:completed").length === 300)
    expect(pool.status().counts.completed).toBe(300)
  })

  it("outcomes go alone after the ack window when no lease call is due (every lease long-polling)", async () => {
    // Two slots, one lease in flight at a time: while the job runs, the other slot's lease long-polls an
    // empty queue (the job ends only once that second lease call is out), so no lease call can take its outcome.
    const { master, pool, events } = setup(5, 30_000, { concurrency: 2, maxLeasesInFlight: 1 }, 2)
    master.enqueue("work")
    pool.start()
    await until(() => master.count("completed") === 1)
    await until(() => events.some((e) => e.type === "job:completed"))
    expect(master.calls.ack).toEqual([1])
    expect(master.calls.leaseAcks).toEqual([])
  })

  it("stop() reports every finished outcome before it returns", async () => {
    const { master, pool } = setup(60_000, 50)
    for (let i = 0; i < 40; i++) master.enqueue("work")
    pool.start()
    await until(() => pool.status().counts.started >= 20)
    await pool.stop()
    const started = pool.status().counts.started
    expect(master.count("completed")).toBe(started)
    expect(master.count("processing")).toBe(0)
  })
})
