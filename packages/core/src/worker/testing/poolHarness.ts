import { afterEach } from "vitest"
import type { PoolEvent, WorkerPoolConfig } from "../PoolConfig.ts"
import { makeWorkerPool, type WorkerPool } from "../WorkerPool.ts"
import { FakeMaster } from "./FakeMaster.ts"

/** Polls `predicate` every 5 ms until it holds; throws past the deadline. */
export const until = async (predicate: () => boolean, timeoutMs = 10_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs
  while (!predicate()) {
    if (Date.now() > deadline) throw new Error("condition not reached before the deadline")
    await new Promise((r) => setTimeout(r, 5))
  }
}

/**
 * The WorkerPool unit tests' harness: a pool over an in-process FakeMaster with fast backoff, its
 * events recorded, stopped after each test. Call at module level (it registers an afterEach).
 */
export const poolHarness = (defaults: Partial<WorkerPoolConfig> & Pick<WorkerPoolConfig, "workerId">) => {
  const pools: Array<WorkerPool> = []
  afterEach(async () => {
    await Promise.all(pools.splice(0).map((p) => p.stop()))
  })
  return (config: Partial<WorkerPoolConfig>, master: FakeMaster = new FakeMaster()) => {
    const events: Array<PoolEvent> = []
    const pool = makeWorkerPool(master.client, {
      handlers: {},
      concurrency: 4,
      waitMs: 50,
      backoff: { baseMs: 5, capMs: 20 },
      shutdownTimeoutMs: 2_000,
      onEvent: (e) => events.push(e),
      ...defaults,
      ...config
    })
    pools.push(pool)
    return { master, pool, events }
  }
}
