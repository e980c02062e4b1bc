import { Effect } from "effect"
import type postgres from "postgres"
import { afterAll, describe, expect, it } from "vitest"
import type { JobStoreShape, StoreError } from "@leasehold/core"
import { createTestDatabase } from "@leasehold/tooling"
import { connect } from "./connect.ts"
import { migrate } from "./migrate.ts"
import { makePgJobStore } from "./PgJobStore.ts"
import { insertJobs } from "./testing/index.ts"

/**
 * Generic plans are built from the table as it is at first use and kept until the next ANALYZE. This
 * caches every hot statement's plan on an empty, never-analyzed table, then grows a backlog, and counts
 * the sequential scans of `jobs` the hot paths make (pg_stat_user_tables). The store's own connections
 * must make none; a pool without the store's settings is run the same way to show the trap is real.
 */
const go = <A>(e: Effect.Effect<A, StoreError>) => Effect.runPromise(e)

const seqScans = async (sql: postgres.Sql): Promise<number> => {
  await sql`select pg_stat_force_next_flush()`
  const [row] = await sql<{ n: number }[]>`select seq_scan::int as n from pg_stat_user_tables where relname = 'jobs'`
  return row?.n ?? 0
}

/** Every hot path once: enqueue, lease, renew many, ack many, next-due lookup. */
const hotPaths = async (store: JobStoreShape, maxJobs: number) => {
  const leased = await go(store.jobLeaseAcquire({ workerId: "w", queues: ["plan"], maxJobs, leaseSeconds: 60 }))
  const items = leased.map((j) => ({ jobId: j.id, leaseToken: j.lease_token }))
  await go(store.leaseRenewMany({ workerId: "w", items }))
  await go(store.leaseAckMany({ workerId: "w", items: items.map((it) => ({ ...it, outcome: "completed" as const })) }))
  await go(store.jobNextLeasableAt({ queues: ["plan"] }))
  await go(store.jobEnqueueMany({ jobs: [{ type: "t", queue: "plan" }] }))
  return leased.length
}

/** Runs the hot paths on an empty table, grows a 20,000-job backlog, runs them again; returns the seq scans of that second part. */
const seqScansAfterGrowth = async (sql: postgres.Sql): Promise<number> => {
  const store = makePgJobStore({ sql })
  await hotPaths(store, 64)
  await insertJobs(sql, 20_000, { queue: "plan", type: "t" })
  const before = await seqScans(sql)
  for (let i = 0; i < 5; i++) expect(await hotPaths(store, 64)).toBe(64)
  return (await seqScans(sql)) - before
}

describe("plans cached on an empty table stay index plans as the backlog grows", () => {
  const dbs: Array<{ drop: () => Promise<void> }> = []
  const pools: Array<postgres.Sql> = []
  const fresh = async (generic: "store" | "plain") => {
    const db = await createTestDatabase("lh_plan")
    dbs.push(db)
    const sql =
      generic === "store"
        ? connect(db.url, { max: 1 })
        : connect(db.url, { max: 1, genericPlans: false, connection: { plan_cache_mode: "force_generic_plan" } })
    pools.push(sql)
    await migrate(sql)
    return sql
  }
  afterAll(async () => {
    for (const sql of pools) await sql.end({ timeout: 5 })
    for (const db of dbs) await db.drop()
  })

  it("the store's connections never scan jobs sequentially on the hot paths", async () => {
    expect(await seqScansAfterGrowth(await fresh("store"))).toBe(0)
  })

  it("without enable_seqscan = off the same cached plans do scan the whole table (the trap this guards)", async () => {
    expect(await seqScansAfterGrowth(await fresh("plain"))).toBeGreaterThan(0)
  })
})
