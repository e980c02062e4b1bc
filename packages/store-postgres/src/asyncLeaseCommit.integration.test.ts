import { Effect } from "effect"
import type postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { JobStoreShape } from "@leasehold/core"
import type { LeasedJob } from "@leasehold/contracts"
import { connect } from "./connect.ts"
import { makePgJobStore } from "./PgJobStore.ts"
import { insertJobs, setupStore, type TestStore } from "./testing/index.ts"

/**
 * A lease alone commits asynchronously (no WAL flush to wait for); a lease that carries acks commits
 * durably (the acks must survive a crash). Told apart by the WAL writes client backends make: a durable
 * commit writes the WAL up to its commit record before it answers (XLogFlush, even with fsync off), an
 * asynchronous one leaves that to the WAL writer (every wal_writer_delay, 200 ms by default). The
 * database defaults to synchronous_commit = on, as a stock server does (the throwaway embedded server
 * turns it off server-wide).
 */
const ROUNDS = 60

let t: TestStore
let sql: postgres.Sql
let store: JobStoreShape
beforeAll(async () => {
  t = await setupStore({ max: 1 })
  await t.sql.unsafe(`alter database "${new URL(t.url).pathname.slice(1)}" set synchronous_commit = on`)
  // One connection opened after the change: the store's statements and the checks below share it.
  sql = connect(t.url, { max: 1, application: "leasehold-test" })
  store = makePgJobStore({ sql })
})
afterAll(async () => {
  await sql?.end({ timeout: 5 })
  await t?.close()
})

const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)

/** WAL writes by client backends so far (PostgreSQL 18: pg_stat_io; before: pg_stat_wal, WAL writer included). */
const walWrites = async () => {
  await sql`select pg_stat_force_next_flush()`
  const v = (await sql<{ v: number }[]>`select current_setting('server_version_num')::int as v`)[0]!.v
  const rows =
    v >= 180000
      ? await sql<{ n: string }[]>`select coalesce(sum(writes), 0)::text as n from pg_stat_io where object = 'wal' and backend_type = 'client backend'`
      : await sql<{ n: string }[]>`select wal_write::text as n from pg_stat_wal`
  return Number(rows[0]!.n)
}
const setting = async () => (await sql<{ s: string }[]>`select current_setting('synchronous_commit') as s`)[0]!.s

describe("lease and prune commits (PostgreSQL)", () => {
  it("a lease alone does not flush the WAL per call, and its setting does not outlive its transaction", async () => {
    expect(await setting()).toBe("on")
    await insertJobs(sql, ROUNDS, { queue: "async-alone" })
    const before = await walWrites()
    for (let i = 0; i < ROUNDS; i++) {
      const jobs = await go(store.jobLeaseAcquire({ workerId: "w", queues: ["async-alone"], maxJobs: 1, leaseSeconds: 60 }))
      expect(jobs).toHaveLength(1)
    }
    // Durable commits would write at least once per lease; the WAL writer's few writes over these
    // milliseconds (counted before PostgreSQL 18) stay far below.
    expect((await walWrites()) - before).toBeLessThan(ROUNDS / 2)
    expect(await setting()).toBe("on")
  })

  it("a lease that carries acks flushes its commit: the acks are durable", async () => {
    await insertJobs(sql, ROUNDS + 1, { queue: "durable-acks" })
    let held: ReadonlyArray<LeasedJob> = await go(store.jobLeaseAcquire({ workerId: "w", queues: ["durable-acks"], maxJobs: 1, leaseSeconds: 60 }))
    const before = await walWrites()
    for (let i = 0; i < ROUNDS; i++) {
      const out = await go(
        store.jobLeaseAcquireAfterAcks({
          workerId: "w",
          queues: ["durable-acks"],
          maxJobs: 1,
          leaseSeconds: 60,
          acks: held.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const }))
        })
      )
      expect(out.acks.map((a) => a.ok)).toEqual([true])
      held = out.jobs
    }
    expect((await walWrites()) - before).toBeGreaterThanOrEqual(ROUNDS)
    expect(await setting()).toBe("on")
  })

  it("a prune step does not flush the WAL per call: a lost step leaves rows the next pass deletes", async () => {
    await insertJobs(sql, ROUNDS, { queue: "async-prune" })
    await sql`update jobs set status = 'completed', completed_at = now() - interval '2 days', updated_at = now() - interval '2 days' where queue = 'async-prune'`
    const ids = (await sql<{ id: string }[]>`select id::text from jobs where queue = 'async-prune' order by id`).map((r) => Number(r.id))
    const before = await walWrites()
    let deleted = 0
    for (const id of ids) deleted += (await go(store.jobPruneFinishedStep({ before: new Date(Date.now() - 86_400_000), afterId: id - 1, limit: 1 }))).deleted
    expect(deleted).toBe(ROUNDS)
    expect((await walWrites()) - before).toBeLessThan(ROUNDS / 2)
    expect(await setting()).toBe("on")
  })
})
