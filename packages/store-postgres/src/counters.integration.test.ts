import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bucketsPerMinute, countsFromRows, finishedPerMinute, openClients, setupStore, type Clients, type TestStore } from "./testing/index.ts"
import { randomOps, seededRandom } from "./testing/randomOps.ts"

/** 16 real connections; each round runs this long (COUNTERS_SECONDS to soak longer, COUNTERS_ROUNDS for more rounds). */
const CLIENTS = 16
const SECONDS = Number(process.env.COUNTERS_SECONDS ?? 10)
const ROUNDS = Number(process.env.COUNTERS_ROUNDS ?? 3)
const QUEUES = ["mail", "reports", "hooks"]
const TYPES = ["send", "render"]

const runRound = async (t: TestStore, clients: Clients, prune: boolean, seed: number) => {
  const ids: number[] = []
  const until = Date.now() + SECONDS * 1000
  const failures = await Promise.all(
    clients.stores.map((s, i) => randomOps(s, `w${i}`, ids, { queues: QUEUES, types: TYPES, prune, until, random: seededRandom(seed + i) }))
  )
  expect(failures.flat()).toEqual([])
  return ids.length
}

/** A fresh database and 16 single-connection clients for the enclosing describe block. */
const useClients = () => {
  const env = {} as { t: TestStore; clients: Clients }
  beforeAll(async () => {
    env.t = await setupStore({ max: 2 })
    env.clients = await openClients(env.t.url, CLIENTS)
  })
  afterAll(async () => {
    await env.clients?.close()
    await env.t?.close()
  })
  return env
}

describe("counters stay exact under 16 concurrent writers", () => {
  const env = useClients()

  it(`GET /stats and queue counts equal count(*) group by after each of ${ROUNDS} rounds of ${SECONDS} s (prune included)`, async () => {
    const { t, clients } = env
    for (let round = 0; round < ROUNDS; round++) {
      const seed = Date.now() % 1_000_000
      console.log(`counters round ${round}: seed ${seed}`)
      const enqueued = await runRound(t, clients, true, seed)
      expect(enqueued).toBeGreaterThan(0)
      const expected = await countsFromRows(t.sql)
      expect(await Effect.runPromise(t.store.queueCountsGet({}))).toEqual(expected)
      const stats = await Effect.runPromise(t.store.statsGet({}))
      for (const [q, c] of Object.entries(expected)) expect(stats.queues[q]).toMatchObject(c)
      expect(Object.keys(stats.queues).sort()).toEqual(Object.keys(expected).sort())
      const [slots] = await t.sql<{ n: number }[]>`select count(distinct slot)::int as n from job_counts`
      console.log(`counters round ${round}: ${enqueued} jobs enqueued, counter slots used ${slots!.n}`)
    }
  }, (SECONDS + 30) * 1000 * ROUNDS)
})

describe("throughput buckets stay exact under 16 concurrent writers", () => {
  const env = useClients()

  it("completed and failed per queue and minute equal the finished rows per minute", async () => {
    const { t, clients } = env
    const seed = Date.now() % 1_000_000
    console.log(`throughput: seed ${seed}`)
    await runRound(t, clients, false, seed)
    const fromRows = await finishedPerMinute(t.sql)
    const fromBuckets = await bucketsPerMinute(t.sql)
    expect(fromRows.length).toBeGreaterThan(0)
    expect(fromBuckets).toEqual(fromRows)
    const now = new Date()
    const current = fromRows.filter((r) => r.minute.getTime() > now.getTime() - 30 * 60_000 && r.minute.getTime() <= now.getTime())
    const api = await Effect.runPromise(t.store.throughputGet({ minutes: 30, now }))
    const sum = (xs: ReadonlyArray<{ completed: number; failed: number }>) => xs.reduce((a, r) => a + r.completed + r.failed, 0)
    expect(sum(api)).toBe(sum(current))
  }, (SECONDS + 30) * 1000)
})
