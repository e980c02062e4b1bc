import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import { connect } from "./connect.ts"
import { makePgJobStore } from "./PgJobStore.ts"
import { openClients, setupStore, type Clients, type TestStore } from "./testing/index.ts"

const CLIENTS = 8
const JOBS = 3_000
const BATCH_SIZES = [1, 7, 50, 100]

let t: TestStore
let clients: Clients
beforeAll(async () => {
  t = await setupStore({ max: 2 })
  clients = await openClients(t.url, CLIENTS)
})
afterAll(async () => {
  await clients?.close()
  await t?.close()
})

const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const completed = (jobs: ReadonlyArray<LeasedJob>) => jobs.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const }))

describe("leases that carry acks (PostgreSQL)", () => {
  it("work on a fresh pool whose connections are not open yet, more callers than connections", async () => {
    const sql = connect(t.url, { max: 2 })
    try {
      const store = makePgJobStore({ sql })
      const queue = "fresh-pool"
      await go(store.jobEnqueueMany({ jobs: Array.from({ length: 6 }, () => ({ type: "t", queue })) }))
      const held = await go(store.jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 6, leaseSeconds: 60 }))
      await sql.end()
      const fresh = connect(t.url, { max: 2 })
      const again = makePgJobStore({ sql: fresh })
      try {
        const calls = [0, 1, 2].map((k) =>
          go(again.jobLeaseAcquireAfterAcks({ workerId: "w", queues: [queue], maxJobs: 1, leaseSeconds: 60, acks: completed(held.slice(2 * k, 2 * k + 2)) }))
        )
        const deadline = new Promise((_, reject) => setTimeout(() => reject(new Error("a lease with acks never answered")), 20_000))
        const outs = (await Promise.race([Promise.all(calls), deadline])) as Array<{ acks: ReadonlyArray<{ ok: boolean }> }>
        expect(outs.flatMap((o) => o.acks.map((a) => a.ok))).toEqual([true, true, true, true, true, true])
      } finally {
        await fresh.end()
      }
    } finally {
      await sql.end()
    }
  })

  it(`${CLIENTS} connections acking and leasing ${JOBS} jobs in the same calls complete every job exactly once`, async () => {
    const queue = "ack-race"
    await go(t.store.jobEnqueueMany({ jobs: Array.from({ length: JOBS }, (_, i) => ({ type: "t", queue, priority: i % 3 })) }))
    const done: number[] = []
    const worker = async (c: number) => {
      let holding: ReadonlyArray<LeasedJob> = []
      for (let call = 0; call < 10 * JOBS; call++) {
        const out = await go(
          clients.stores[c]!.jobLeaseAcquireAfterAcks({
            workerId: `w${c}`,
            queues: [queue],
            maxJobs: BATCH_SIZES[(c + call) % BATCH_SIZES.length]!,
            leaseSeconds: 600,
            acks: completed(holding)
          })
        )
        expect(out.acks.every((a) => a.ok)).toBe(true)
        done.push(...holding.map((j) => j.id))
        holding = out.jobs
        if (holding.length === 0 && out.acks.length === 0) return
      }
    }
    await Promise.all(Array.from({ length: CLIENTS }, (_, c) => worker(c)))
    expect(done).toHaveLength(JOBS)
    expect(new Set(done).size).toBe(JOBS)
    const [row] = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs where queue = ${queue} and status = 'completed' and attempts = 1`
    expect(row!.n).toBe(JOBS)
  })
})
