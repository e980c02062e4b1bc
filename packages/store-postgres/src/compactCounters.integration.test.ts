import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makePgWorkflowStore } from "./PgJobStore.ts"
import { bucketsPerMinute, countsFromRows, finishedPerMinute, openClients, totalsByMinute, seedJobs, setupStore, type Clients, type TestStore } from "./testing/index.ts"
import { randomOps, seededRandom } from "./testing/randomOps.ts"

/** 16 writers for COMPACT_SECONDS (default 6) while a 17th connection compacts the counters in a loop. */
const CLIENTS = 16
const SECONDS = Number(process.env.COMPACT_SECONDS ?? 6)
const QUEUES = ["mail", "webhooks", "default"]
const TYPES = ["send_receipt", "deliver"]
const WINDOW_MINUTES = 1440
/** Compaction runs this far in the future, so every minute the writers wrote counts as closed and is folded while they write. */
const AHEAD_MS = 2 * 60_000

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

const minuteOf = (ms: number) => Math.floor(ms / 60_000) * 60_000

describe("counter compaction (the pruner's last step)", () => {
  it("folds slots and drops throughput minutes older than GET /stats/throughput returns, exactly, while 16 writers run", async () => {
    const seed = Number(process.env.COUNTERS_SEED ?? Date.now() % 1_000_000)
    console.log(`compaction: seed ${seed} (replay: COUNTERS_SEED=${seed})`)
    // Three days of history: about two thirds of its buckets are older than the 1440 minutes a read can return.
    await seedJobs(t.sql, { finished: 6_000, pending: 300, days: 3, chunk: 2_000 })
    const [before] = await t.sql<{ old: number; slots: number }[]>`
      select count(*) filter (where minute < now() - interval '1440 minutes')::int as old, count(distinct slot)::int as slots from job_throughput`
    expect(before!.old).toBeGreaterThan(0)

    const ids: number[] = []
    const until = Date.now() + SECONDS * 1000
    let compactions = 0
    const compactor = (async () => {
      while (Date.now() < until) {
        await Effect.runPromise(t.store.countersCompact({ now: new Date(Date.now() + AHEAD_MS) }))
        compactions++
      }
    })().then(
      () => undefined,
      (e: unknown) => e
    )
    const failures = await Promise.all(
      clients.stores.map((s, i) =>
        randomOps(s, `w${i}`, ids, {
          queues: QUEUES,
          types: TYPES,
          prune: false,
          until,
          random: seededRandom(seed + i),
          workflows: makePgWorkflowStore({ sql: clients.sqls[i]! })
        })
      )
    )
    expect(await compactor).toBeUndefined()
    expect(failures.flat()).toEqual([])
    expect(compactions).toBeGreaterThan(1)

    const now = Date.now() + AHEAD_MS
    await Effect.runPromise(t.store.countersCompact({ now: new Date(now) }))
    const cutoff = minuteOf(now) - WINDOW_MINUTES * 60_000
    const [left] = await t.sql<{ old: number; unfolded: number; counts_unfolded: number }[]>`
      select (select count(*) from job_throughput where minute <= ${new Date(cutoff)}::timestamptz)::int as old,
             (select count(*) from job_throughput where slot <> 0)::int as unfolded,
             (select count(*) from job_counts where slot <> 0 or n = 0)::int as counts_unfolded`
    expect(left).toEqual({ old: 0, unfolded: 0, counts_unfolded: 0 })

    const inWindow = (await finishedPerMinute(t.sql)).filter((r) => r.minute.getTime() > cutoff)
    expect(inWindow.length).toBeGreaterThan(100)
    expect(await bucketsPerMinute(t.sql)).toEqual(inWindow)
    expect(await Effect.runPromise(t.store.queueCountsGet({}))).toEqual(await countsFromRows(t.sql))

    const api = await Effect.runPromise(t.store.throughputGet({ minutes: WINDOW_MINUTES, now: new Date(now) }))
    const perMinute = totalsByMinute(inWindow)
    expect(api.map((m) => ({ completed: m.completed, failed: m.failed }))).toEqual(
      api.map((m) => perMinute.get(Date.parse(m.at)) ?? { completed: 0, failed: 0 })
    )
    console.log(`compaction: ${ids.length} jobs enqueued, ${compactions} compactions during the run, ${before!.slots} slots before`)
  }, (SECONDS + 60) * 1000)
})
