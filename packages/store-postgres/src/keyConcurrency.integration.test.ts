import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import type { JobStoreShape, NewJob, QueueStoreShape } from "@leasehold/core"
import { maxOverlapPerKey, seededRandom, type KeyInterval } from "@leasehold/core/testing"
import { makePgQueueStore } from "./PgJobStore.ts"
import { maxSampler, openClients, setupStore, type Clients, type TestStore } from "./testing/index.ts"

const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
const CLIENTS = 12
let t: TestStore
let clients: Clients
let queues: QueueStoreShape
beforeAll(async () => {
  t = await setupStore()
  clients = await openClients(t.url, CLIENTS)
  queues = makePgQueueStore({ sql: t.sql })
})
afterAll(async () => {
  await clients?.close()
  await t?.close()
})

let seq = 0
const setup = (prefix = "k") => `${prefix}-${++seq}`
const enqueue = (jobs: ReadonlyArray<NewJob>) => go(t.store.jobEnqueueMany({ jobs }))
const lease = (store: JobStoreShape, queue: string, maxJobs: number, extra: { now?: Date; leaseSeconds?: number } = {}) =>
  go(store.jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs, leaseSeconds: extra.leaseSeconds ?? 60, ...(extra.now ? { now: extra.now } : {}) }))
const complete = (j: LeasedJob, store: JobStoreShape = t.store) => go(store.jobCompleteIfLeased({ id: j.id, workerId: "w", leaseToken: j.lease_token }))
const keysOf = (jobs: ReadonlyArray<LeasedJob>) => jobs.map((j) => j.concurrency_key)

/** The most live leases any one key of the queue holds right now (one statement: one snapshot). */
const maxPerKeyNow = async (queue: string) =>
  (await t.sql<{ n: number }[]>`select coalesce(max(n), 0)::int as n from (
     select count(*) as n from jobs where queue = ${queue} and status = 'processing'
       and lease_expires_at >= clock_timestamp() and concurrency_key is not null group by concurrency_key) x`)[0]!.n

const sampler = (queue: string) => maxSampler(() => maxPerKeyNow(queue))

describe("key_concurrency on one store", () => {
  it("by default runs one job per key at a time; keyless jobs are not limited; a held job is skipped, then leased in order", async () => {
    const q = setup()
    const made = await enqueue([
      { type: "t", queue: q, concurrencyKey: "a", priority: 5 },
      { type: "t", queue: q, concurrencyKey: "a", priority: 5 },
      { type: "t", queue: q, concurrencyKey: "b" },
      { type: "t", queue: q },
      { type: "t", queue: q, concurrencyKey: "a", priority: 9 },
      { type: "t", queue: q }
    ])
    expect(made.map((m) => m.job.concurrency_key)).toEqual(["a", "a", "b", null, "a", null])
    expect((await go(t.store.jobGet({ id: made[0]!.job.id }))).concurrency_key).toBe("a")
    const first = await lease(t.store, q, 10)
    // a's best job (priority 9), then b, then the keyless ones; a's two others are held back.
    expect(first.map((j) => j.id)).toEqual([made[4]!.job.id, made[2]!.job.id, made[3]!.job.id, made[5]!.job.id])
    expect(keysOf(first)).toEqual(["a", "b", null, null])
    expect(await lease(t.store, q, 10)).toEqual([])
    await complete(first[0]!)
    const next = await lease(t.store, q, 10)
    expect(next.map((j) => j.id)).toEqual([made[0]!.job.id])
    await complete(next[0]!)
    expect((await lease(t.store, q, 10)).map((j) => j.id)).toEqual([made[1]!.job.id])
  })

  it("key_concurrency 2 takes two per key in one batch; a change applies to the next lease; null restores the default 1", async () => {
    const q = setup()
    await go(queues.queueSettingsPatch({ name: q, patch: { keyConcurrency: 2 } }))
    await enqueue(["x", "x", "x", "y", "y", "y"].map((k) => ({ type: "t", queue: q, concurrencyKey: k })))
    expect(keysOf(await lease(t.store, q, 10))).toEqual(["x", "x", "y", "y"])
    await go(queues.queueSettingsPatch({ name: q, patch: { keyConcurrency: 3 } }))
    expect(keysOf(await lease(t.store, q, 10))).toEqual(["x", "y"])
    const r = setup()
    await go(queues.queueSettingsPatch({ name: r, patch: { keyConcurrency: 5 } }))
    await go(queues.queueSettingsPatch({ name: r, patch: { keyConcurrency: null } }))
    await enqueue(["z", "z"].map((k) => ({ type: "t", queue: r, concurrencyKey: k })))
    expect(keysOf(await lease(t.store, r, 10))).toEqual(["z"])
  })

  it("a key's expired lease frees its room (re-leased or swept), and limits and keys combine", async () => {
    const q = setup()
    const made = await enqueue(["a", "a", "b"].map((k) => ({ type: "t", queue: q, concurrencyKey: k })))
    const t0 = new Date(Date.now() + 3_600_000)
    expect(keysOf(await lease(t.store, q, 10, { now: t0, leaseSeconds: 30 }))).toEqual(["a", "b"])
    expect(await lease(clients.stores[0]!, q, 10, { now: new Date(t0.getTime() + 29_000) })).toEqual([])
    // Expired: not live any more. The expired job itself comes first in lease order (its id is lower).
    const t1 = new Date(t0.getTime() + 31_000)
    const again = await lease(clients.stores[1]!, q, 10, { now: t1, leaseSeconds: 30 })
    expect(again.map((j) => j.id)).toEqual([made[0]!.job.id, made[2]!.job.id])
    const t2 = new Date(t1.getTime() + 31_000)
    await go(t.store.jobRescueExpired({ now: t2 }))
    expect(keysOf(await lease(t.store, q, 10, { now: t2 }))).toEqual(["a", "b"])

    const m = setup()
    await go(queues.queueSettingsPatch({ name: m, patch: { maxConcurrency: 3 } }))
    await enqueue(["a", "a", "b", "c", "d"].map((k) => ({ type: "t", queue: m, concurrencyKey: k })))
    expect(keysOf(await lease(t.store, m, 10))).toEqual(["a", "b", "c"])
  })

  it("workflow jobs obey the key limit", async () => {
    const q = setup("wf")
    const { workflow } = await go(
      t.workflows.workflowCreate({ jobs: ["s1", "s2", "s3"].map((key) => ({ key, type: "t", queue: q, concurrencyKey: "tenant-1" })) })
    )
    expect(workflow.counts.pending).toBe(3)
    const first = await lease(t.store, q, 10)
    expect(first).toHaveLength(1)
    expect(first[0]).toMatchObject({ concurrency_key: "tenant-1", workflow: { id: workflow.id } })
    await complete(first[0]!)
    expect(await lease(t.store, q, 10)).toHaveLength(1)
  })
})

/**
 * CLIENTS single-connection stores (as many masters) lease and complete until every job is done; each
 * job's handler interval [after its lease returned, before its completion was sent] is recorded.
 */
const race = async (queue: string, total: number, random: () => number) => {
  const intervals: Array<KeyInterval> = []
  let done = 0
  const worker = async (c: number) => {
    const store = clients.stores[c]!
    for (let call = 0; done < total && call < 100 * total; call++) {
      const got = await lease(store, queue, 1 + Math.floor(random() * 8), { leaseSeconds: 300 })
      if (got.length === 0) {
        await new Promise((r) => setTimeout(r, 1))
        continue
      }
      await Promise.all(
        got.map(async (j) => {
          const start = performance.now()
          if (random() < 0.5) await new Promise((r) => setTimeout(r, Math.floor(random() * 3)))
          intervals.push({ key: j.concurrency_key ?? null, start, end: performance.now() })
          await complete(j, store)
          done++
        })
      )
    }
  }
  await Promise.all(Array.from({ length: CLIENTS }, (_, c) => worker(c)))
  return { done, intervals }
}

/** keys × perKey jobs in a seeded random order, random priorities. */
const keyedJobs = (queue: string, keys: number, perKey: number, random: () => number): Array<NewJob> => {
  const jobs = Array.from({ length: keys * perKey }, (_, i) => ({
    type: "t",
    queue,
    concurrencyKey: `key-${i % keys}`,
    priority: Math.floor(random() * 3)
  }))
  for (let i = jobs.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1))
    ;[jobs[i], jobs[j]] = [jobs[j]!, jobs[i]!]
  }
  return jobs
}

describe(`key_concurrency under ${CLIENTS} concurrent pools`, () => {
  it("key_concurrency 1: 200 keys x 20 jobs, no two jobs of one key ever overlap (intervals and database samples), every job completes", async () => {
    const random = seededRandom("key_concurrency 1 race")
    const q = setup("k1")
    await go(queues.queueSettingsPatch({ name: q, patch: { keyConcurrency: 1 } }))
    const jobs = keyedJobs(q, 200, 20, random)
    for (let i = 0; i < jobs.length; i += 1000) await enqueue(jobs.slice(i, i + 1000))
    const s = sampler(q)
    const { done, intervals } = await race(q, 4000, random)
    const seen = await s.stop()
    expect(done).toBe(4000)
    expect(intervals).toHaveLength(4000)
    expect(maxOverlapPerKey(intervals)).toBe(1)
    expect(seen.samples).toBeGreaterThan(10)
    expect(seen.max).toBe(1) // reached (so the sample could have shown more), never exceeded
    const [counts] = await t.sql<{ completed: number; other: number }[]>`
      select count(*) filter (where status = 'completed')::int as completed, count(*) filter (where status <> 'completed')::int as other
      from jobs where queue = ${q}`
    expect(counts).toEqual({ completed: 4000, other: 0 })
  })

  it.each([1, 2, 3])("key_concurrency 2 (40 keys x 15 jobs, and 100 keyless jobs): never more than 2 per key, round %i", async () => {
    const random = seededRandom("key_concurrency 2 race")
    const q = setup("k2")
    await go(queues.queueSettingsPatch({ name: q, patch: { keyConcurrency: 2 } }))
    await enqueue([...keyedJobs(q, 40, 15, random), ...Array.from({ length: 100 }, () => ({ type: "t", queue: q }))])
    const s = sampler(q)
    const { done, intervals } = await race(q, 700, random)
    const seen = await s.stop()
    expect(done).toBe(700)
    expect(intervals.filter((i) => i.key !== null)).toHaveLength(600)
    expect(maxOverlapPerKey(intervals)).toBeLessThanOrEqual(2)
    expect(seen.max).toBeLessThanOrEqual(2)
    expect(Math.max(maxOverlapPerKey(intervals), seen.max)).toBe(2)
  })
})
