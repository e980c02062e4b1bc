import { Effect, Result } from "effect"
import type { Socket } from "node:net"
import type postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobStoreShape, QueueStoreShape } from "@leasehold/core"
import { connect } from "./connect.ts"
import { flowControlOf } from "./flowControl.ts"
import { makePgJobStore, makePgQueueStore } from "./PgJobStore.ts"
import { maxSampler, openClients, setupStore, type TestStore } from "./testing/index.ts"

const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)
let t: TestStore
let queues: QueueStoreShape
/** A pool of one connection that logs what it sends ("S <first words>") and each chunk it receives ("R"). */
let traced: postgres.Sql
let tracedStore: JobStoreShape
const events: string[] = []
beforeAll(async () => {
  t = await setupStore()
  queues = makePgQueueStore({ sql: t.sql })
  traced = connect(t.url, { max: 1 })
  const options = traced.options as unknown as { socket: (o: unknown) => Socket; debug: unknown }
  const socket = options.socket
  options.socket = (o) => {
    const s = socket(o)
    s.on("data", () => void events.push("R"))
    return s
  }
  options.debug = (_conn: number, query: string) => void events.push(`S ${query.trim().split(/\s+/).slice(0, 3).join(" ")}`)
  await traced`select 1`
  tracedStore = makePgJobStore({ sql: traced })
})
afterAll(async () => {
  await traced?.end({ timeout: 5 })
  await t?.close()
})

const enqueue = (queue: string, n: number, key?: (i: number) => string) =>
  go(t.store.jobEnqueueMany({ jobs: Array.from({ length: n }, (_, i) => ({ type: "t", queue, ...(key ? { concurrencyKey: key(i) } : {}) })) }))
const lease = (store: JobStoreShape, qs: string[], maxJobs: number) =>
  go(store.jobLeaseAcquire({ workerId: "w", queues: qs, maxJobs, leaseSeconds: 60 }))
const byQueue = (jobs: ReadonlyArray<{ queue: string }>) => jobs.reduce<Record<string, number>>((a, j) => ({ ...a, [j.queue]: (a[j.queue] ?? 0) + 1 }), {})

/**
 * Round trips of what `run` sends: runs of statements sent before the next answer arrives. postgres.js
 * sends a statement when it is awaited, so the statements of a pipelined transaction are all logged
 * before any answer can be read (reading happens on a later turn of the event loop).
 */
const roundTrips = async (run: () => Promise<unknown>) => {
  events.length = 0
  await run()
  const sent = events.filter((e, i) => e.startsWith("S") && (i === 0 || events[i - 1] === "R"))
  return { trips: sent.length, statements: events.filter((e) => e.startsWith("S")) }
}

describe("the controlled lease is one pipelined transaction", () => {
  it("a limited queue, a keyed queue and several controlled queues at once: one round trip once the pool knows them controlled", async () => {
    await go(queues.queueSettingsPatch({ name: "rt-mc", patch: { maxConcurrency: 50 } }))
    await go(queues.queueSettingsPatch({ name: "rt-rl", patch: { rateLimit: { limit: 100, periodMs: 60_000 } } }))
    await enqueue("rt-mc", 30)
    await enqueue("rt-rl", 30)
    await enqueue("rt-key", 30, (i) => `k${i}`)
    for (const qs of [["rt-mc"], ["rt-key"], ["rt-mc", "rt-rl", "rt-key"]]) {
      // The first lease learns from the common statement that the queues are controlled (and prepares the
      // statements: a statement's first run on a connection waits for its description).
      const first = await roundTrips(() => lease(tracedStore, qs, 2))
      expect(first.statements[0], qs.join()).toMatch(/^S with g as/)
      // The next, within CONTROLLED_CACHE_MS, goes straight to the pipelined transaction: begin, settings
      // prepared and locked, one lease statement per queue, commit. (Measured again only should the
      // machine have stalled past half of it.)
      let learned = Date.now()
      let r = { trips: 0, statements: [] as string[] }
      for (let attempt = 0; attempt < 3; attempt++) {
        const started = Date.now()
        let got: ReadonlyArray<unknown> = []
        r = await roundTrips(async () => void (got = await lease(tracedStore, qs, 2)))
        expect(got, qs.join()).toHaveLength(2)
        if (r.trips === 1 || started - learned < 500) break
        learned = Date.now()
      }
      expect(r.trips, `${qs.join()}: ${events.join(", ")}`).toBe(1)
      expect(r.statements, qs.join()).toHaveLength(4 + qs.length)
    }
  })
})

describe("a lease that carries acks, on queues known controlled", () => {
  it("commits the acks and leases in one round trip", async () => {
    await go(queues.queueSettingsPatch({ name: "ack-mc", patch: { maxConcurrency: 4 } }))
    await enqueue("ack-mc", 12)
    const leaseAcking = (acks: ReadonlyArray<{ id: number; lease_token: string }>) =>
      go(tracedStore.jobLeaseAcquireAfterAcks({ workerId: "w", queues: ["ack-mc"], maxJobs: 4, leaseSeconds: 60, acks: acks.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const })) }))
    // Learns the queue is controlled, and prepares the statements (first runs wait for their description).
    let held = (await leaseAcking([])).jobs
    held = (await leaseAcking(held)).jobs
    expect(held).toHaveLength(4)
    let out: Awaited<ReturnType<typeof leaseAcking>> | undefined
    const learned = Date.now()
    let r = await roundTrips(async () => void (out = await leaseAcking(held)))
    // (Measured again only should the machine have stalled past half of CONTROLLED_CACHE_MS.)
    if (r.trips !== 1 && Date.now() - learned > 500) r = await roundTrips(async () => void (out = await leaseAcking((held = out!.jobs))))
    expect(out!.acks.map((a) => a.ok)).toEqual([true, true, true, true])
    // Room freed by the acks committed just before, in the same round trip.
    expect(out!.jobs).toHaveLength(4)
    expect(r.trips, events.join(", ")).toBe(1)
    const [done] = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs where queue = 'ack-mc' and status = 'completed' and id = any(${held.map((j) => j.id)})`
    expect(done!.n).toBe(4)
  })

  it("8 pools leasing with acks never hold more than 5 live leases, and complete every job once", async () => {
    const queue = "ack-race"
    await go(queues.queueSettingsPatch({ name: queue, patch: { maxConcurrency: 5 } }))
    await enqueue(queue, 400)
    const clients = await openClients(t.url, 8)
    const live = maxSampler(async () =>
      (await t.sql<{ n: number }[]>`select count(*)::int as n from jobs
        where queue = ${queue} and status = 'processing' and lease_expires_at >= clock_timestamp()`)[0]!.n)
    const done: number[] = []
    try {
      await Promise.all(
        clients.stores.map(async (store, c) => {
          let holding: ReadonlyArray<{ id: number; lease_token: string }> = []
          for (let call = 0; call < 20_000 && done.length < 400; call++) {
            const out = await go(
              store.jobLeaseAcquireAfterAcks({
                workerId: `w${c}`, queues: [queue], maxJobs: 1 + (call % 3), leaseSeconds: 600,
                acks: holding.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const }))
              })
            )
            expect(out.acks.every((a) => a.ok)).toBe(true)
            done.push(...holding.map((j) => j.id))
            holding = out.jobs
          }
        })
      )
    } finally {
      await clients.close()
    }
    const seen = await live.stop()
    expect(done).toHaveLength(400)
    expect(new Set(done).size).toBe(400)
    expect(seen.max).toBeLessThanOrEqual(5)
    expect(seen.max).toBeGreaterThan(0)
  })

  it("leases nothing when the transaction ahead of it did not commit", async () => {
    await go(queues.queueSettingsPatch({ name: "ack-fail", patch: { maxConcurrency: 4 } }))
    await enqueue("ack-fail", 4)
    const input = { workerId: "w", queues: ["ack-fail"], types: null, maxJobs: 4, leaseSeconds: 60, requestedBatchSize: null, serverMaxBatchSize: 1000, now: null }
    const failing = flowControlOf(t.sql).leaseControlledAfter((tx) => tx`select 1 / (select count(*)::int - count(*)::int from jobs) as boom`, input, ["ack-fail"], 4)
    await expect(failing).rejects.toMatchObject({ code: "22012" })
    const [live] = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs where queue = 'ack-fail' and status = 'processing'`
    expect(live!.n).toBe(0)
    const ok = await flowControlOf(t.sql).leaseControlledAfter((tx) => tx`select 1 as fine`, input, ["ack-fail"], 4)
    expect(ok.rows).toHaveLength(4)
  })
})

describe("several controlled queues in one lease", () => {
  it("share max_jobs, each within its own room (max_concurrency, rate window, pause, keys); the rate window is recorded", async () => {
    await go(queues.queueSettingsPatch({ name: "m-mc", patch: { maxConcurrency: 3 } }))
    await go(queues.queueSettingsPatch({ name: "m-rl", patch: { rateLimit: { limit: 2, periodMs: 3_600_000 } } }))
    await go(queues.queueSetPaused({ name: "m-p", paused: true }))
    for (const q of ["m-mc", "m-rl", "m-p"]) await enqueue(q, 10)
    await enqueue("m-key", 10, (i) => `k${i % 3}`)
    const all = ["m-mc", "m-rl", "m-p", "m-key"]
    // Rooms 3 + 2 + 0 + 3 (three keys) = 8 > 5: the later statements take only what the earlier ones left.
    const first = await lease(t.store, all, 5)
    expect(first).toHaveLength(5)
    const got = byQueue(first)
    expect(got["m-p"]).toBeUndefined()
    expect(got["m-mc"] ?? 0).toBeLessThanOrEqual(3)
    expect(got["m-rl"] ?? 0).toBeLessThanOrEqual(2)
    expect(got["m-key"] ?? 0).toBeLessThanOrEqual(3)
    // Then exactly what is left of each room.
    const second = await lease(t.store, all, 50)
    expect(byQueue([...first, ...second])).toEqual({ "m-mc": 3, "m-rl": 2, "m-key": 3 })
    expect(await lease(t.store, all, 50)).toEqual([])
    const [w] = await t.sql<{ n: number }[]>`select window_count as n from queue_settings where name = 'm-rl'`
    expect(w!.n).toBe(2)
  })

  it("straight to the controlled path: scan batches are carved within the room, and a too large batch size is still a Validation error", async () => {
    await go(t.store.scanCreate({ scan: { name: "m-scan", type: "chunk", queue: "m-scan", start: 0, end: 1000, maxBatchSize: 10 } }))
    await go(queues.queueSettingsPatch({ name: "m-scan", patch: { maxConcurrency: 3 } }))
    const leaseScan = (store: JobStoreShape, requestedBatchSize: number) =>
      Effect.runPromise(Effect.result(store.jobLeaseAcquire({ workerId: "w", queues: ["m-scan"], maxJobs: 2, leaseSeconds: 60, requestedBatchSize })))
    // The first call learns the queue is controlled (common statement); the next ones go straight to the pipeline.
    for (const store of [tracedStore, tracedStore]) {
      const bad = await leaseScan(store, 11)
      expect(Result.isFailure(bad) && bad.failure.reason).toBe("Validation")
    }
    const got: unknown[] = []
    for (let i = 0; i < 3; i++) {
      const r = await leaseScan(tracedStore, 10)
      if (Result.isSuccess(r)) got.push(...r.success.map((j) => j.payload))
    }
    expect(got).toEqual([{ start: 0, end: 10 }, { start: 10, end: 20 }, { start: 20, end: 30 }])
    expect((await go(t.store.scanGet({ name: "m-scan" }))).cursor).toBe(30)
  })

  it("a max_concurrency lowered below the live leases leases nothing (no negative room)", async () => {
    await go(queues.queueSettingsPatch({ name: "m-low", patch: { maxConcurrency: 4 } }))
    await enqueue("m-low", 10)
    expect(await lease(t.store, ["m-low"], 10)).toHaveLength(4)
    await go(queues.queueSettingsPatch({ name: "m-low", patch: { maxConcurrency: 1 } }))
    expect(await lease(t.store, ["m-low"], 10)).toEqual([])
  })
})
