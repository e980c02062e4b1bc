import { describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import type { JobStoreShape } from "../JobStore.ts"
import { helpers, ms, run, testClock, unique, useStore, type ConformanceHarness } from "./conformance/support.ts"

/** The retry settings the distribution is checked under (small, so the cap is reached by attempt 5). */
export const BACKOFF_UNDER_TEST = { baseMs: 100, capMs: 1000 } as const

/** Jobs failed per attempt: enough that a wrong spread or a missing cap cannot slip through by chance. */
const SAMPLES = 80
const ATTEMPTS = 6

const ceiling = (attempt: number) => Math.min(BACKOFF_UNDER_TEST.capMs, BACKOFF_UNDER_TEST.baseMs * 2 ** (attempt - 1))

/**
 * Backoff as a store applies it when a retryable failure carries no `retry_in_ms`: for each attempt,
 * SAMPLES jobs fail (half one by one, half through the batched ack), and their delays must lie in
 * [0, min(cap, base·2^(n-1))], spread over that range (mean near the middle, both halves hit), and
 * never exceed the cap. `makeStore` must build the store with BACKOFF_UNDER_TEST as its retry
 * settings. The bounds are loose enough that an unbiased store fails them with odds below 1e-9.
 */
export const backoffDistributionSuite = (name: string, makeStore: () => Promise<ConformanceHarness>): void =>
  void describe(`retry backoff distribution: ${name}`, () => {
    const store = useStore(makeStore)
    const h = helpers(store)

    it(`full jitter in [0, min(${BACKOFF_UNDER_TEST.capMs}, ${BACKOFF_UNDER_TEST.baseMs}·2^(n-1))], spread over it, capped`, async () => {
      const clock = testClock()
      const queue = unique("backoff")
      const workerId = unique("w")
      for (let i = 0; i < SAMPLES; i++) await h.enqueue({ type: "t", queue, maxAttempts: ATTEMPTS + 1 }, clock.now())
      for (let attempt = 1; attempt <= ATTEMPTS; attempt++) {
        const now = clock.advance(BACKOFF_UNDER_TEST.capMs + 1)
        const leased = await run(store().jobLeaseAcquire({ workerId, queues: [queue], maxJobs: SAMPLES, leaseSeconds: 60, now }))
        expect(leased.map((j) => j.attempts)).toEqual(Array(SAMPLES).fill(attempt))
        const delays = await failAll(store(), h, leased, workerId, now)
        const top = ceiling(attempt)
        expect(delays.filter((d) => !Number.isInteger(d) || d < 0 || d > top), `attempt ${attempt}: outside [0, ${top}]`).toEqual([])
        const mean = delays.reduce((a, b) => a + b, 0) / delays.length
        expect(mean / top, `attempt ${attempt}: mean ${mean} of ceiling ${top}`).toBeGreaterThan(0.3)
        expect(mean / top, `attempt ${attempt}: mean ${mean} of ceiling ${top}`).toBeLessThan(0.7)
        expect(delays.filter((d) => d < top / 4).length, `attempt ${attempt}: none in the lowest quarter`).toBeGreaterThan(0)
        expect(delays.filter((d) => d > (3 * top) / 4).length, `attempt ${attempt}: none in the highest quarter`).toBeGreaterThan(0)
        expect(new Set(delays).size, `attempt ${attempt}: too few distinct delays`).toBeGreaterThan(SAMPLES / 2)
      }
    })
  })

/** Fails every leased job without a retry_in_ms (half singly, half batched) and answers each delay in ms. */
const failAll = async (
  store: JobStoreShape,
  h: ReturnType<typeof helpers>,
  leased: ReadonlyArray<LeasedJob>,
  workerId: string,
  now: Date
): Promise<Array<number>> => {
  const half = Math.floor(leased.length / 2)
  const delays: Array<number> = []
  for (const job of leased.slice(0, half)) {
    const failed = await run(store.jobFailIfLeased({ id: job.id, workerId, leaseToken: job.lease_token, error: { message: "e" }, now }))
    expect(failed.status).toBe("retrying")
    delays.push(ms(failed.run_at) - now.getTime())
  }
  const batch = leased.slice(half)
  const results = await run(
    store.leaseAckMany({
      workerId,
      items: batch.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "failed" as const, error: { message: "e" } })),
      now
    })
  )
  expect(results.map((r) => r.ok)).toEqual(batch.map(() => true))
  for (const job of batch) {
    const read = await h.get(job.id)
    expect(read.status).toBe("retrying")
    delays.push(ms(read.run_at) - now.getTime())
  }
  return delays
}
