import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openClients, setupStore, type Clients, type TestStore } from "./testing/index.ts"

const CLIENTS = 16
const JOBS = 5_000
const ROUNDS = 20
/** Mixed batch sizes: singles, small and large batches race each other. */
const BATCH_SIZES = [1, 2, 5, 10, 25, 50, 100, 250]

let t: TestStore
let clients: Clients
beforeAll(async () => {
  t = await setupStore()
  clients = await openClients(t.url, CLIENTS)
})
afterAll(async () => {
  await clients?.close()
  await t?.close()
})

describe("16 concurrent connections leasing 5,000 jobs", () => {
  it(`leases every job exactly once, ${ROUNDS} times over`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const queue = `race-${round}`
      const enqueued = await Effect.runPromise(
        t.store.jobEnqueueMany({ jobs: Array.from({ length: JOBS }, (_, i) => ({ type: "t", queue, priority: i % 3 })) })
      )
      const expected = new Set(enqueued.map((o) => o.job.id))
      const leased: number[] = []
      const worker = async (c: number) => {
        for (let call = 0; leased.length < JOBS && call < 10 * JOBS; call++) {
          const maxJobs = BATCH_SIZES[(c + call + round) % BATCH_SIZES.length] as number
          const jobs = await Effect.runPromise(
            clients.stores[c]!.jobLeaseAcquire({ workerId: `w${c}`, queues: [queue], maxJobs, leaseSeconds: 600 })
          )
          for (const job of jobs) {
            expect(job.worker_id).toBe(`w${c}`)
            expect(job.attempts).toBe(1)
            leased.push(job.id)
          }
        }
      }
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => worker(c)))
      expect(leased).toHaveLength(JOBS)
      expect(new Set(leased)).toEqual(expected)
      const [row] = await t.sql<{ processing: number; tokens: number }[]>`
        select count(*)::int as processing, count(distinct lease_token)::int as tokens
        from jobs where queue = ${queue} and status = 'processing' and attempts = 1`
      expect(row).toEqual({ processing: JOBS, tokens: JOBS })
    }
  })
})
