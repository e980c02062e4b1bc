import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import type { JobStoreShape, QueueStoreShape } from "@leasehold/core"
import { makePgQueueStore } from "./PgJobStore.ts"
import { maxSampler, openClients, setupStore, type Clients, type TestStore } from "./testing/index.ts"
import { seededRandom } from "./testing/randomOps.ts"

/**
 * max_concurrency beyond "never more than N" under plain lease + ack (flowControl.integration.test.ts):
 * a lowering below the live leases, leases granted before the limit existed, renews (one of an expired
 * lease whose room went to another job must not bring it back to life), and every way a lease ends.
 */
const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const SEED = Number(process.env.LEASEHOLD_TEST_SEED ?? Date.now() % 1_000_000)
console.log(`maxConcurrency: LEASEHOLD_TEST_SEED=${SEED}`)

let t: TestStore
let clients: Clients
let queues: QueueStoreShape
beforeAll(async () => {
  t = await setupStore()
  clients = await openClients(t.url, 8)
  queues = makePgQueueStore({ sql: t.sql })
})
afterAll(async () => {
  await clients?.close()
  await t?.close()
})

const enqueue = (queue: string, n: number) => go(t.store.jobEnqueueMany({ jobs: Array.from({ length: n }, () => ({ type: "t", queue })) }))
const lease = (store: JobStoreShape, queue: string, maxJobs: number, extra: { now?: Date; leaseSeconds?: number } = {}) =>
  go(store.jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs, leaseSeconds: extra.leaseSeconds ?? 60, ...(extra.now ? { now: extra.now } : {}) }))
const ack = (store: JobStoreShape, jobs: ReadonlyArray<LeasedJob>) =>
  go(store.leaseAckMany({ workerId: "w", items: jobs.map((j) => ({ jobId: j.id, leaseToken: j.lease_token!, outcome: "completed" as const })) }))
const setMax = (queue: string, n: number | null) => go(queues.queueSettingsPatch({ name: queue, patch: { maxConcurrency: n } }))

const liveNow = async (queue: string, at?: Date) =>
  (await t.sql<{ n: number }[]>`select count(*)::int as n from jobs
    where queue = ${queue} and status = 'processing' and lease_expires_at >= coalesce(${at ?? null}::timestamptz, clock_timestamp())`)[0]!.n
describe("max_concurrency lowered below the live leases", () => {
  it("grants nothing while N or more are live, and exactly the room once fewer are", async () => {
    const q = "pm-lower"
    await setMax(q, 10)
    await enqueue(q, 40)
    const held = await lease(t.store, q, 8)
    expect(held).toHaveLength(8)
    await setMax(q, 3)
    expect(await lease(clients.stores[1]!, q, 10)).toHaveLength(0)
    // 8 -> 3 live, one ack at a time: nothing is granted until fewer than 3 are live.
    for (let i = 0; i < 5; i++) {
      await ack(t.store, [held[i]!])
      expect(await lease(clients.stores[i % 8]!, q, 10), `after ${i + 1} acks`).toHaveLength(0)
    }
    expect(await liveNow(q)).toBe(3)
    await ack(t.store, held.slice(5, 7))
    expect(await lease(t.store, q, 10)).toHaveLength(2)
    expect(await lease(t.store, q, 10)).toHaveLength(0)
    expect(await liveNow(q)).toBe(3)
  })

  it("raised again, the new room is granted at once", async () => {
    const q = "pm-raise"
    await setMax(q, 2)
    await enqueue(q, 20)
    expect(await lease(t.store, q, 10)).toHaveLength(2)
    await setMax(q, 7)
    expect(await lease(clients.stores[2]!, q, 10)).toHaveLength(5)
    expect(await liveNow(q)).toBe(7)
  })
})

describe("leases granted before the limit", () => {
  it("count against it from the moment it is set", async () => {
    const q = "pm-adopt"
    await enqueue(q, 30)
    const early = await lease(t.store, q, 6)
    expect(early).toHaveLength(6)
    await setMax(q, 4)
    expect(await lease(t.store, q, 10)).toHaveLength(0)
    await ack(t.store, early.slice(0, 3))
    expect(await lease(t.store, q, 10)).toHaveLength(1)
    expect(await liveNow(q)).toBe(4)
    // Cleared: the queue leases freely again, and its live leases renew as before.
    await setMax(q, null)
    expect(await lease(t.store, q, 10)).toHaveLength(10)
    await go(t.store.jobRenewIfLeased({ id: early[5]!.id, workerId: "w", leaseToken: early[5]!.lease_token! }))
  })
})

describe("renews", () => {
  it("keep the lease counted as long as it lasts", async () => {
    const q = "pm-renew"
    await setMax(q, 2)
    await enqueue(q, 10)
    const t0 = new Date(Date.now() + 3_600_000)
    const got = await lease(t.store, q, 5, { now: t0, leaseSeconds: 30 })
    expect(got).toHaveLength(2)
    const at = new Date(t0.getTime() + 20_000)
    for (const j of got) await go(t.store.jobRenewIfLeased({ id: j.id, workerId: "w", leaseToken: j.lease_token!, leaseSeconds: 30, now: at }))
    // Past the first expiry, within the renewed one: both leases still count.
    expect(await lease(t.store, q, 5, { now: new Date(t0.getTime() + 40_000) })).toHaveLength(0)
    expect(await lease(t.store, q, 5, { now: new Date(t0.getTime() + 51_000), leaseSeconds: 30 })).toHaveLength(2)
  })

  it("of an expired lease whose room went to another job answer lease_lost", async () => {
    const q = "pm-renew-lost"
    await setMax(q, 1)
    await enqueue(q, 1)
    const t0 = new Date(Date.now() + 7_200_000)
    const [first] = await lease(t.store, q, 1, { now: t0, leaseSeconds: 30 })
    // Jobs that come first in lease order: the room goes to one of them, not back to `first`.
    await go(t.store.jobEnqueueMany({ jobs: Array.from({ length: 4 }, () => ({ type: "t", queue: q, priority: 5 })) }))
    const t1 = new Date(t0.getTime() + 31_000)
    const second = await lease(clients.stores[3]!, q, 1, { now: t1, leaseSeconds: 30 })
    expect(second).toHaveLength(1)
    expect(second[0]!.id).not.toBe(first!.id)
    const renewed = await Effect.runPromise(
      Effect.result(t.store.jobRenewIfLeased({ id: first!.id, workerId: "w", leaseToken: first!.lease_token!, now: new Date(t1.getTime() + 1_000) }))
    )
    expect(renewed._tag).toBe("Failure")
    expect(await liveNow(q, new Date(t1.getTime() + 2_000))).toBe(1)
    expect(await lease(t.store, q, 1, { now: new Date(t1.getTime() + 2_000) })).toHaveLength(0)
  })
})

describe("every way a lease ends frees its room", () => {
  it(`8 pools: batch acks, single completes, fails, releases, cancels, renews and leases with acks, 3 rounds; never more than 5 live, and the limit reached`, async () => {
    const random = seededRandom(SEED)
    for (let round = 0; round < 3; round++) {
      const q = `pm-mix-${round}`
      await setMax(q, 5)
      await enqueue(q, 240)
      const s = maxSampler(() => liveNow(q))
      let finished = 0
      const worker = async (c: number) => {
        const store = clients.stores[c]!
        for (let call = 0; finished < 200 && call < 4_000; call++) {
          const got = await lease(store, q, 1 + Math.floor(random() * 4), { leaseSeconds: 30 })
          if (got.length === 0) {
            await new Promise((r) => setTimeout(r, 1))
            continue
          }
          const pick = random()
          const proof = (j: LeasedJob) => ({ id: j.id, workerId: "w", leaseToken: j.lease_token! })
          if (pick < 0.3) await ack(store, got)
          else if (pick < 0.4) {
            await Promise.all(got.map((j) => go(store.jobRenewIfLeased(proof(j)))))
            await ack(store, got)
          } else if (pick < 0.55) for (const j of got) await go(store.jobCompleteIfLeased(proof(j)))
          else if (pick < 0.7) for (const j of got) await go(store.jobFailIfLeased({ ...proof(j), error: { message: "x" }, retryable: false }))
          else if (pick < 0.8) for (const j of got) await go(store.jobReleaseIfLeased(proof(j)))
          else if (pick < 0.9) for (const j of got) await go(store.jobCancel({ id: j.id }))
          else
            await go(
              store.jobLeaseAcquireAfterAcks({
                workerId: "w", queues: [q], maxJobs: 0, leaseSeconds: 30,
                acks: got.map((j) => ({ jobId: j.id, leaseToken: j.lease_token!, outcome: "completed" as const }))
              })
            )
          if (pick >= 0.7 && pick < 0.8) continue
          finished += got.length
        }
      }
      await Promise.all(Array.from({ length: 8 }, (_, c) => worker(c)))
      const seen = await s.stop()
      expect(finished).toBeGreaterThanOrEqual(200)
      expect(seen.max).toBeLessThanOrEqual(5)
      expect(seen.max).toBe(5)
    }
  })
})
