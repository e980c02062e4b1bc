import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { NewJob, StoreError } from "@leasehold/core"
import { toJob, type JobRow } from "./rows.ts"
import { notificationLog, openClients, setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore()
})
afterAll(async () => {
  await t?.close()
})

const go = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(e)
const flip = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(Effect.flip(e))

describe("enqueue", () => {
  it("inserts a batch in one statement, answers in request order, first of a repeated key wins", async () => {
    const jobs = [
      { type: "a", queue: "batch", idempotencyKey: "k1", payload: { n: 0 } },
      { type: "b", queue: "batch" },
      { type: "c", queue: "batch", idempotencyKey: "k1", payload: { n: 2 } },
      { type: "d", queue: "batch-2", idempotencyKey: "k1" }
    ]
    const out = await go(t.store.jobEnqueueMany({ jobs }))
    expect(out.map((o) => [o.job.type, o.duplicate])).toEqual([["a", false], ["b", false], ["a", true], ["d", false]])
    expect(out[2]?.job.id).toBe(out[0]?.job.id)
    const again = await go(t.store.jobEnqueueMany({ jobs: [{ type: "z", queue: "batch", idempotencyKey: "k1" }] }))
    expect(again[0]).toMatchObject({ duplicate: true, job: { id: out[0]?.job.id, type: "a", payload: { n: 0 } } })
  })

  it("is all or nothing: one bad row rejects the whole batch", async () => {
    const e = await flip(
      t.store.jobEnqueueMany({
        jobs: [
          { type: "ok", queue: "atomic" },
          { type: "bad", queue: "atomic", priority: 5000 }
        ]
      })
    )
    expect(e.reason).toBe("Validation")
    const rows = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs where queue = 'atomic'`
    expect(rows[0]?.n).toBe(0)
  })

  it("rejects a payload over 1 MiB naming its index", async () => {
    const e = await flip(t.store.jobEnqueueMany({ jobs: [{ type: "a" }, { type: "b", payload: "x".repeat(1024 * 1024 + 1) }] }))
    expect(e.reason).toBe("PayloadTooLarge")
    expect(e.details).toEqual({ index: 1 })
  })

  it("notifies once per distinct queue on the jobs channel", async () => {
    const log = await notificationLog(t.sql)
    try {
      await log.fence()
      await go(t.store.jobEnqueueMany({ jobs: [{ type: "a", queue: "n1" }, { type: "a", queue: "n2" }, { type: "a", queue: "n1" }] }))
      expect((await log.fence()).sort()).toEqual(["n1", "n2"])
      await go(t.store.jobEnqueue({ job: { type: "a", queue: "n3" } }))
      await go(t.store.jobEnqueue({ job: { type: "a", queue: "n3", runAt: new Date(Date.now() + 3_600_000) } }))
      expect(await log.fence()).toEqual(["n3", "n3"])
    } finally {
      await log.close()
    }
  })

  it("gives one job to a key enqueued by 16 connections at once, the others see duplicates", async () => {
    const clients = await openClients(t.url, 16)
    try {
      for (let round = 0; round < 5; round++) {
        const key = `race-${round}`
        const outcomes = await Promise.all(
          clients.stores.map((s, i) => go(s.jobEnqueue({ job: { type: `t${i}`, queue: "idem-race", idempotencyKey: key } })))
        )
        expect(new Set(outcomes.map((o) => o.job.id)).size).toBe(1)
        expect(outcomes.filter((o) => !o.duplicate)).toHaveLength(1)
      }
    } finally {
      await clients.close()
    }
  })
})

const now = new Date("2026-03-01T12:00:00.000Z")

/** Queues interleaved, every optional field in play, so a row taking another item's value shows. */
const mixed = (suffix: string, key?: (i: number) => string): Array<NewJob> =>
  Array.from({ length: 30 }, (_, i) => ({
    type: `t${i % 4}`,
    queue: `mix-${["a", "b", "c"][i % 3]}${suffix}`,
    payload: i % 5 === 0 ? null : { i, s: "quote \" and \\ and é" },
    priority: (i % 7) - 3,
    runAt: i % 6 === 1 ? new Date(now.getTime() + i * 1000) : undefined,
    delayMs: i % 6 === 2 ? i * 250 : undefined,
    maxAttempts: (i % 5) + 1,
    idempotencyKey: key?.(i)
  }))

const rowsOf = async (ids: ReadonlyArray<number>) => {
  const rows = await t.sql<JobRow[]>`select * from jobs where id = any(${ids as number[]}::int8[]) order by id`
  return rows.map(toJob)
}

describe("enqueue: keyed and keyless batches", () => {
  it("a batch without keys answers each item with its own row, in request order", async () => {
    const jobs = mixed("")
    const out = await go(t.store.jobEnqueueMany({ jobs, now }))
    const ids = out.map((o) => o.job.id)
    expect([...ids].sort((a, b) => a - b)).toEqual(ids)
    expect(out.every((o) => !o.duplicate)).toBe(true)
    expect(await rowsOf(ids)).toEqual(out.map((o) => o.job))
    out.forEach((o, i) => {
      const j = jobs[i]!
      expect(o.job).toMatchObject({ queue: j.queue, type: j.type, payload: j.payload, priority: j.priority, max_attempts: j.maxAttempts })
      const due = j.runAt?.getTime() ?? now.getTime() + (j.delayMs ?? 0)
      expect(o.job.run_at).toBe(new Date(due).toISOString())
    })
  })

  it("a batch with keys gives the same jobs as one without", async () => {
    const plain = await go(t.store.jobEnqueueMany({ jobs: mixed("-p"), now }))
    const keyed = await go(t.store.jobEnqueueMany({ jobs: mixed("-k", (i) => `key-${i}`), now }))
    const strip = (j: (typeof plain)[number]["job"]) => ({ ...j, id: 0, queue: j.queue.slice(0, -2), idempotency_key: null })
    expect(keyed.map((o) => strip(o.job))).toEqual(plain.map((o) => strip(o.job)))
    expect(keyed.every((o) => !o.duplicate)).toBe(true)
  })

  it("a queue name the schema refuses rejects the whole keyless batch", async () => {
    const e = await flip(t.store.jobEnqueueMany({ jobs: [{ type: "ok", queue: "good-q" }, { type: "ok", queue: "Bad Queue" }] }))
    expect(e.reason).toBe("Validation")
    const rows = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs where queue = 'good-q'`
    expect(rows[0]?.n).toBe(0)
  })
})
