import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bucketsPerMinute, countsFromRows, finishedPerMinute, openClients, setupStore, type Clients, type TestStore } from "./testing/index.ts"
import { randomOps, seededRandom } from "./testing/randomOps.ts"
import { makePgWorkflowStore } from "./PgJobStore.ts"

/**
 * 16 real connections; each round runs COUNTERS_SECONDS (default 20, 8 under CI) and there are
 * COUNTERS_ROUNDS rounds (default 3). COUNTERS_SEED replays the printed seed of a failing round.
 */
const CLIENTS = 16
const SECONDS = Number(process.env.COUNTERS_SECONDS ?? (process.env.CI ? 8 : 20))
const ROUNDS = Number(process.env.COUNTERS_ROUNDS ?? 3)
const seedOf = (round: number) => (process.env.COUNTERS_SEED ? Number(process.env.COUNTERS_SEED) : Date.now() % 1_000_000) + round
const QUEUES = ["mail", "reports", "hooks"]
const TYPES = ["send", "render"]

const runRound = async (t: TestStore, clients: Clients, prune: boolean, seed: number) => {
  const ids: number[] = []
  const until = Date.now() + SECONDS * 1000
  const failures = await Promise.all(
    clients.stores.map((s, i) =>
      randomOps(s, `w${i}`, ids, { queues: QUEUES, types: TYPES, prune, until, random: seededRandom(seed + i), workflows: makePgWorkflowStore({ sql: clients.sqls[i]! }) })
    )
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
      const seed = seedOf(round)
      console.log(`counters round ${round}: seed ${seed} (replay: COUNTERS_SEED=${seed - round})`)
      const enqueued = await runRound(t, clients, true, seed)
      expect(enqueued).toBeGreaterThan(0)
      const expected = await countsFromRows(t.sql)
      expect(await Effect.runPromise(t.store.queueCountsGet({}))).toEqual(expected)
      const stats = await Effect.runPromise(t.store.statsGet({}))
      for (const [q, c] of Object.entries(expected)) expect(stats.queues[q]).toMatchObject(c)
      expect(Object.keys(stats.queues).sort()).toEqual(Object.keys(expected).sort())
      const [slots] = await t.sql<{ n: number }[]>`select count(distinct slot)::int as n from job_counts`
      console.log(`counters round ${round}: ${enqueued} jobs enqueued, counter slots used ${slots!.n}`)
      // With every writer stopped, compaction folds every slot into slot 0 and the counts still equal the rows.
      await Effect.runPromise(t.store.countersCompact({}))
      expect(await Effect.runPromise(t.store.queueCountsGet({}))).toEqual(expected)
      const [left] = await t.sql<{ other: number; zero: number }[]>`
        select count(*) filter (where slot <> 0)::int as other, count(*) filter (where n = 0)::int as zero from job_counts`
      expect(left).toEqual({ other: 0, zero: 0 })
    }
  }, (SECONDS + 30) * 1000 * ROUNDS)
})

describe("throughput buckets stay exact under 16 concurrent writers", () => {
  const env = useClients()

  it("completed and failed per queue and minute equal the finished rows per minute", async () => {
    const { t, clients } = env
    const seed = seedOf(0)
    console.log(`throughput: seed ${seed} (replay: COUNTERS_SEED=${seed})`)
    await runRound(t, clients, false, seed)
    const fromRows = await finishedPerMinute(t.sql)
    const fromBuckets = await bucketsPerMinute(t.sql)
    expect(fromRows.length).toBeGreaterThan(0)
    expect(fromBuckets).toEqual(fromRows)
    await Effect.runPromise(t.store.countersCompact({}))
    expect(await bucketsPerMinute(t.sql)).toEqual(fromRows)
    const [slots] = await t.sql<{ other: number }[]>`select count(*)::int as other from job_throughput where slot <> 0 and minute < date_trunc('minute', now())`
    expect(slots!.other).toBe(0)
    const now = new Date()
    const current = fromRows.filter((r) => r.minute.getTime() > now.getTime() - 30 * 60_000 && r.minute.getTime() <= now.getTime())
    const api = await Effect.runPromise(t.store.throughputGet({ minutes: 30, now }))
    const sum = (xs: ReadonlyArray<{ completed: number; failed: number }>) => xs.reduce((a, r) => a + r.completed + r.failed, 0)
    expect(sum(api)).toBe(sum(current))
  }, (SECONDS + 30) * 1000)
})
