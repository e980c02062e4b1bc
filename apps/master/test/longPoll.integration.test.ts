import { request as httpRequest, type ClientRequest } from "node:http"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { connect, makePgJobStore } from "@leasehold/store-postgres"
import type { WakeReason } from "../src/longPoll/LeaseWaiters.ts"
import type { RunningMaster } from "../src/startMaster.ts"
import { runStore } from "../src/http/runStore.ts"
import { eventually, setupMaster, uniqueQueue, type MasterFixture } from "./harness.ts"

/**
 * The long-poll's fallback re-poll is set far beyond every wait here (an hour), so only the wake under
 * test (NOTIFY, the due-time hint) can answer a waiting lease before its wait_ms; `wakesDuring` then
 * tells that wake from the wait simply running out (a "timeout"), after which the last lease attempt
 * would find the job too.
 */
const NO_REPOLL = { leaseRepollMs: 3_600_000 }

let fx: MasterFixture
/** The request the `afterLease` seam disconnects, when set: the race test's client. */
let disconnectAfterLease: { worker: string; req: ClientRequest } | undefined
beforeAll(async () => {
  // No sweeper either: an expired lease must be found by the due-time hint, not rescued and notified.
  fx = await setupMaster({ ...NO_REPOLL, sweepIntervalMs: 3_600_000 }, {
    seams: {
      afterLease: async (jobs, client) => {
        const target = disconnectAfterLease
        if (!target || jobs.length === 0 || jobs[0]!.worker_id !== target.worker) return
        target.req.destroy()
        await eventually(async () => client.gone())
      }
    }
  })
})
afterAll(async () => {
  await fx?.close()
})

const api = (method: string, path: string, body?: unknown) => fx.http(method, API_BASE + path, body)

/** How many long-poll waits ended for each reason while `run` ran. */
const wakesDuring = async <A>(master: RunningMaster, run: () => Promise<A>): Promise<[A, Record<WakeReason, number>]> => {
  const before = master.longPollWakes()
  const out = await run()
  const after = master.longPollWakes()
  const diff = Object.fromEntries(Object.entries(after).map(([k, v]) => [k, v - before[k as WakeReason]])) as Record<WakeReason, number>
  return [out, diff]
}

describe("long-poll", () => {
  it("a waiting lease is woken by an enqueue elsewhere (LISTEN/NOTIFY), not by its wait running out", async () => {
    const q = uniqueQueue()
    // Enqueued through a store of its own: this master's local wake cannot answer, only the NOTIFY.
    const sql = connect(fx.db.url, { max: 1 })
    try {
      const [a, wakes] = await wakesDuring(fx.master, async () => {
        const waiting = api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 30_000 })
        await eventually(() => waitersOn(q))
        const { job } = await runStore(makePgJobStore({ sql }).jobEnqueue({ job: { type: "t", queue: q } }))
        const answer = await waiting
        return { answer, job }
      })
      expect(a.answer.status).toBe(200)
      expect(a.answer.body.jobs.map((j: any) => j.id)).toEqual([a.job.id])
      expect(wakes).toMatchObject({ notified: 1, timeout: 0 })
    } finally {
      await sql.end({ timeout: 5 })
    }
  })

  it("a waiting lease is woken by an enqueue through this master (local wake)", async () => {
    const q = uniqueQueue()
    const [a, wakes] = await wakesDuring(fx.master, async () => {
      const waiting = api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 30_000 })
      await eventually(() => waitersOn(q))
      const job = (await api("POST", "/jobs", { type: "t", queue: q })).body.job
      return { answer: await waiting, job }
    })
    expect(a.answer.body.jobs.map((j: any) => j.id)).toEqual([a.job.id])
    expect(wakes.notified).toBeGreaterThanOrEqual(1)
    expect(wakes.timeout).toBe(0)
  })

  it("answers empty when wait_ms passes with nothing to lease", async () => {
    const q = uniqueQueue()
    const [a, wakes] = await wakesDuring(fx.master, () => api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 300 }))
    expect(a.status).toBe(200)
    expect(a.body.jobs).toEqual([])
    expect(wakes).toMatchObject({ timeout: 1, notified: 0, due: 0 })
  })

  it("wakes for a job that becomes due by time (delay)", async () => {
    const q = uniqueQueue()
    const job = (await api("POST", "/jobs", { type: "t", queue: q, delay_ms: 700 })).body.job
    const [a, wakes] = await wakesDuring(fx.master, () => api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 20_000 }))
    expect(a.body.jobs.map((j: any) => j.id)).toEqual([job.id])
    expect(wakes).toMatchObject({ due: 1, timeout: 0 })
  })

  it("wakes for a lease that expires while it waits", async () => {
    const q = uniqueQueue()
    const job = (await api("POST", "/jobs", { type: "t", queue: q })).body.job
    const first = await api("POST", "/jobs/lease", { worker_id: "crashed", queues: [q], lease_seconds: 1 })
    expect(first.body.jobs.map((j: any) => j.id)).toEqual([job.id])
    const [again, wakes] = await wakesDuring(fx.master, () => api("POST", "/jobs/lease", { worker_id: "lp", queues: [q], wait_ms: 20_000 }))
    expect(again.body.jobs.map((j: any) => [j.id, j.attempts, j.worker_id])).toEqual([[job.id, 2, "lp"]])
    expect(wakes).toMatchObject({ due: 1, timeout: 0 })
  })

  it("a client that disconnects between the lease statement and the answer leaves no lease behind", async () => {
    const q = uniqueQueue()
    for (let round = 0; round < 5; round++) {
      // The seam aborts this client right after the lease statement took the job, before the answer:
      // on even rounds while it long-polls (woken by the enqueue), on odd rounds on a plain lease.
      const worker = `gone-${round}`
      const longPoll = round % 2 === 0
      const early = longPoll ? undefined : (await api("POST", "/jobs", { type: "t", queue: q })).body.job
      const req = rawLease(q, worker, longPoll ? 30_000 : 0)
      disconnectAfterLease = { worker, req }
      const answered = answerOf(req)
      if (longPoll) await eventually(() => waitersOn(q))
      const job = early ?? (await api("POST", "/jobs", { type: "t", queue: q })).body.job
      expect(await answered).toBe("no answer")
      await eventually(async () => (await api("GET", `/jobs/${job.id}`)).body.job.status === "pending" || undefined)
      const leases = await api("GET", `/leases?queue=${q}`)
      expect(leases.body.leases).toEqual([])
      const taken = await api("POST", "/jobs/lease", { worker_id: "after", queues: [q] })
      expect(taken.body.jobs.map((j: any) => [j.id, j.worker_id])).toEqual([[job.id, "after"]])
      await api("POST", `/jobs/${job.id}/complete`, { worker_id: "after", lease_token: taken.body.jobs[0].lease_token })
    }
    disconnectAfterLease = undefined
  })
})

const waitersOn = (queue: string) => Promise.resolve(fx.master.waitingOn(queue) > 0)

/** Whether a raw request got a response before its socket closed. */
const answerOf = (req: ClientRequest) =>
  new Promise<"answered" | "no answer">((ok) => {
    req.once("response", () => ok("answered"))
    req.once("close", () => ok("no answer"))
  })

const rawLease = (queue: string, worker: string, waitMs: number, maxJobs = 1) => {
  const body = JSON.stringify({ worker_id: worker, queues: [queue], wait_ms: waitMs, max_jobs: maxJobs })
  const url = new URL(fx.master.url)
  const req = httpRequest({ host: url.hostname, port: url.port, method: "POST", path: `${API_BASE}/jobs/lease`, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } })
  req.on("error", () => {})
  req.end(body)
  return req
}

describe("a separate LISTEN URL (for a transaction pooler in front of the pool)", () => {
  it("wakes long-polls through the dedicated listen connection", async () => {
    const other = await setupMaster({ listenDatabaseUrl: fx.db.url, ...NO_REPOLL }, { db: fx.db })
    try {
      const q = uniqueQueue()
      const [out, wakes] = await wakesDuring(other.master, async () => {
        const waiting = other.http("POST", `${API_BASE}/jobs/lease`, { worker_id: "lp2", queues: [q], wait_ms: 30_000 })
        await eventually(async () => other.master.waitingOn(q) > 0)
        const job = (await api("POST", "/jobs", { type: "t", queue: q })).body.job
        return { jobs: (await waiting).body.jobs, job }
      })
      expect(out.jobs.map((j: any) => j.id)).toEqual([out.job.id])
      expect(wakes).toMatchObject({ notified: 1, timeout: 0 })
      const admin = postgres(fx.db.url, { max: 1 })
      try {
        const rows = await admin`select query from pg_stat_activity where application_name = 'leasehold-master-listen' and datname = current_database()`
        expect(rows.map((r) => r.query)).toEqual([expect.stringMatching(/listen/i)])
      } finally {
        await admin.end()
      }
    } finally {
      await other.close()
    }
  })
})
