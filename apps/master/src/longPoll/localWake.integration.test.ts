import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { connect, makePgJobStore, migrate } from "@leasehold/store-postgres"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import type postgres from "postgres"
import { eventually, setupMaster, uniqueQueue } from "../../test/harness.ts"
import { runStore } from "../http/runStore.ts"
import { makeLeaseWaiters } from "./LeaseWaiters.ts"
import { leaseWithWait } from "./leaseWithWait.ts"
import { withLocalWake } from "./localWake.ts"

let db: TestDatabase
let sql: postgres.Sql
beforeAll(async () => {
  db = await createTestDatabase("lh_wake")
  sql = connect(db.url, { max: 4 })
  await migrate(sql)
})
afterAll(async () => {
  await sql?.end({ timeout: 5 })
  await db?.drop()
})

/** A store whose wakes are recorded; no LISTEN connection exists here, so every wake is a local one. */
const recording = () => {
  const woke: Array<string> = []
  const store = withLocalWake(makePgJobStore({ sql }), { notify: (q) => woke.push(q) })
  return { woke, store }
}

describe("local wake (no LISTEN round trip for this master's own writes)", () => {
  it("wakes the queue of a new job by the time the enqueue answers; not for a duplicate", async () => {
    const { woke, store } = recording()
    const q = uniqueQueue()
    await runStore(store.jobEnqueue({ job: { type: "t", queue: q, idempotencyKey: "k" } }))
    expect(woke).toEqual([q])
    await runStore(store.jobEnqueue({ job: { type: "t", queue: q, idempotencyKey: "k" } }))
    expect(woke).toEqual([q])
  })

  it("wakes each queue of a batch (delayed jobs too, like the NOTIFY)", async () => {
    const { woke, store } = recording()
    const [a, b] = [uniqueQueue(), uniqueQueue()]
    await runStore(
      store.jobEnqueueMany({ jobs: [{ type: "t", queue: a }, { type: "t", queue: a }, { type: "t", queue: b, delayMs: 60_000 }] })
    )
    expect(new Set(woke)).toEqual(new Set([a, b]))
  })

  it("wakes on a release and on an admin retry", async () => {
    const { woke, store } = recording()
    const q = uniqueQueue()
    const { job } = await runStore(store.jobEnqueue({ job: { type: "t", queue: q } }))
    const [leased] = await runStore(store.jobLeaseAcquire({ workerId: "w", queues: [q], maxJobs: 1, leaseSeconds: 30 }))
    woke.length = 0
    await runStore(store.jobReleaseIfLeased({ id: job.id, workerId: "w", leaseToken: leased!.lease_token }))
    expect(woke).toEqual([q])
    await runStore(store.jobCancel({ id: job.id }))
    await runStore(store.jobRetry({ id: job.id }))
    expect(woke).toEqual([q, q])
  })

  it("hands a job enqueued through this store to a long-poll waiting on it", async () => {
    const waiters = makeLeaseWaiters()
    const store = withLocalWake(makePgJobStore({ sql }), waiters)
    const q = uniqueQueue()
    const ctl = new AbortController()
    const params = { workerId: "lp", queues: [q], maxJobs: 1, leaseSeconds: 30 }
    // No LISTEN here and no fallback re-poll within the wait: only the local wake can answer before wait_ms.
    const waiting = leaseWithWait({ store, waiters, config: { leaseRepollMs: 3_600_000 } }, params, 30_000, ctl.signal)
    await eventually(async () => waiters.waitingOn(q) > 0)
    const { job } = await runStore(store.jobEnqueue({ job: { type: "t", queue: q } }))
    const jobs = await waiting
    expect(jobs.map((j) => j.id)).toEqual([job.id])
    expect(waiters.size()).toBe(0)
    expect(waiters.wakes()).toMatchObject({ notified: 1, timeout: 0, due: 0 })
  })
})

describe("a long-poll on another master", () => {
  it("still wakes through NOTIFY for a job enqueued here", async () => {
    const a = await setupMaster({}, { db })
    const b = await setupMaster({ leaseRepollMs: 3_600_000 }, { db })
    try {
      const q = uniqueQueue()
      const waiting = b.http("POST", `${API_BASE}/jobs/lease`, { worker_id: "lp", queues: [q], wait_ms: 30_000 })
      await eventually(async () => b.master.waitingOn(q) > 0)
      const job = (await a.http("POST", `${API_BASE}/jobs`, { type: "t", queue: q })).body.job
      expect((await waiting).body.jobs.map((j: { id: number }) => j.id)).toEqual([job.id])
      expect(b.master.longPollWakes()).toMatchObject({ notified: 1, timeout: 0 })
    } finally {
      await a.close()
      await b.close()
    }
  })
})
