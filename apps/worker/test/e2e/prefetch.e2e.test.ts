import { createServer, type Server } from "node:http"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { freePort } from "@leasehold/tooling"
import { api, killAll, startMaster, startWorker, until, type MasterProc, type Proc } from "./harness.ts"
import { setupDatabase } from "./db.ts"

/**
 * SPEC "Prefetch" end to end: real worker processes against the real master on a real database. What
 * a test asserts is read from the database (jobs, e2e_runs written by the fixture handlers), from the
 * HTTP traffic itself (a recording proxy), or from the worker's structured log — never from timings.
 */
/** Deadlines sized for a shared 2-core machine under heavy load (process start-up alone can take tens of seconds). */
const LONG = 180_000
const TEST_MS = 400_000

let env: Awaited<ReturnType<typeof setupDatabase>>
let master: MasterProc

beforeAll(async () => {
  env = await setupDatabase()
  master = await startMaster({ databaseUrl: env.db.url, sweepIntervalMs: 300 })
})

afterAll(async () => {
  await killAll()
  await env?.close()
})

interface JobRow {
  id: string
  status: string
  attempts: number
  worker_id: string | null
  lease_expires_at: Date | null
  completed_worker: string | null
}
const jobsOf = (ids: ReadonlyArray<number>) =>
  env.sql<Array<JobRow>>`select id, status, attempts, worker_id, lease_expires_at, completed_worker from jobs where id in ${env.sql(ids)} order by id`
const startedIds = async (workerId: string): Promise<Set<number>> =>
  new Set(
    (await env.sql`select distinct job_id from e2e_runs where worker_id = ${workerId} and event in ('start', 'run')`).map((r) => Number(r.job_id))
  )
/** Jobs of a worker the master shows leased (processing) but that no handler has started: its buffer (or answers in transit). */
const bufferedIds = async (workerId: string, ids: ReadonlyArray<number>): Promise<Array<number>> => {
  const started = await startedIds(workerId)
  return (await jobsOf(ids)).filter((j) => j.status === "processing" && j.worker_id === workerId && !started.has(Number(j.id))).map((j) => Number(j.id))
}
/** The worker's structured log lines with this message. */
const logLines = (proc: Proc, msg: string): Array<Record<string, unknown>> =>
  proc
    .output()
    .split("\n")
    .flatMap((line) => {
      try {
        const parsed = JSON.parse(line) as Record<string, unknown>
        return parsed.msg === msg ? [parsed] : []
      } catch {
        return []
      }
    })
const stoppedCounts = (proc: Proc) => logLines(proc, "worker pool stopped")[0] as Record<string, number> | undefined

const admin = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${master.url}${API_BASE}${path}`, {
    method,
    headers: { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  if (!res.ok) throw new Error(`${method} ${path}: ${res.status} ${await res.text()}`)
  return res.json()
}

/** A pass-through HTTP proxy in front of the master that records the `max_jobs` of every lease call. */
const leaseRecorder = async (target: string): Promise<{ url: string; maxJobs: Array<number>; close: () => Promise<void> }> => {
  const maxJobs: Array<number> = []
  const server: Server = createServer(async (req, res) => {
    const chunks: Array<Buffer> = []
    for await (const c of req) chunks.push(c as Buffer)
    const body = Buffer.concat(chunks)
    if (req.url?.endsWith("/jobs/lease")) maxJobs.push(Number((JSON.parse(body.toString()) as { max_jobs?: number }).max_jobs ?? 1))
    try {
      const answer = await fetch(`${target}${req.url}`, {
        method: req.method,
        headers: { "content-type": String(req.headers["content-type"] ?? "application/json") },
        body: req.method === "GET" || req.method === "HEAD" ? undefined : body
      })
      res.writeHead(answer.status, { "content-type": answer.headers.get("content-type") ?? "application/json" })
      res.end(Buffer.from(await answer.arrayBuffer()))
    } catch {
      res.writeHead(502).end()
    }
  })
  const port = await freePort()
  await new Promise<void>((resolve) => server.listen(port, "127.0.0.1", resolve))
  return {
    url: `http://127.0.0.1:${port}`,
    maxJobs,
    close: () => new Promise<void>((resolve) => server.close(() => resolve()))
  }
}

describe("worker prefetch against the real master", () => {
  it("buffered jobs are renewed while they wait: their lease expiry advances in the database", async () => {
    const client = api(master.url)
    const [slow] = await client.enqueueMany([{ type: "slow", queue: "p-renew", priority: 10, payload: { ms: 4000 } }])
    const waiting = await client.enqueueMany(Array.from({ length: 3 }, () => ({ type: "record", queue: "p-renew" })))
    const worker = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "p-renew",
      concurrency: 1,
      args: ["--queues", "p-renew", "--prefetch", "3", "--lease-seconds", "10", "--renew-at", "0.1"]
    })
    await until(async () => (await bufferedIds("p-renew", waiting)).length === 3, "3 jobs buffered behind the slow one", LONG)
    const first = new Map((await jobsOf(waiting)).map((j) => [j.id, j.lease_expires_at!.getTime()]))
    await until(async () => {
      const now = await jobsOf(waiting)
      return now.every((j) => j.status === "processing" && j.lease_expires_at!.getTime() > first.get(j.id)!)
    }, "every buffered lease renewed", LONG)
    // Renewed while still buffered: the slow job has not finished, none of the three has started.
    const slowDone = await env.sql`select 1 from e2e_runs where job_id = ${slow!} and event = 'done'`
    expect(slowDone.length).toBe(0)
    expect(await bufferedIds("p-renew", waiting)).toEqual(waiting)
    await until(async () => (await client.countByStatus("p-renew")).completed === 4, "all 4 completed", LONG)
    worker.kill("SIGTERM")
    expect((await worker.exited).code).toBe(0)
    expect((await jobsOf(waiting)).map((j) => j.attempts)).toEqual([1, 1, 1])
    const runs = await env.sql`select job_id, count(*)::int as n from e2e_runs where job_id in ${env.sql(waiting)} group by job_id`
    expect(runs.map((r) => r.n)).toEqual([1, 1, 1])
  }, TEST_MS)

  it("a buffered job that waited more than half its lease is released, not started; it runs later on attempt 1", async () => {
    const client = api(master.url)
    const [slow] = await client.enqueueMany([{ type: "slow", queue: "p-stale", priority: 10, payload: { ms: 5000 } }])
    const [waiter] = await client.enqueueMany([{ type: "record", queue: "p-stale" }])
    const worker = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "p-stale",
      concurrency: 1,
      args: ["--queues", "p-stale", "--prefetch", "1", "--lease-seconds", "2", "--renew-at", "0.25"]
    })
    await until(
      () => logLines(worker, "buffered job waited past half its lease: releasing it unstarted").some((l) => l.job_id === waiter),
      "the buffered job released as stale",
      LONG
    )
    await until(async () => (await client.countByStatus("p-stale")).completed === 2, "both completed", LONG)
    worker.kill("SIGTERM")
    expect((await worker.exited).code).toBe(0)
    const runs = await env.sql<Array<{ job_id: string; attempt: number; event: string; at: Date }>>`
      select job_id, attempt, event, at from e2e_runs where job_id in (${slow!}, ${waiter!}) order by at`
    const waiterRuns = runs.filter((r) => Number(r.job_id) === waiter)
    expect(waiterRuns.map((r) => r.attempt)).toEqual([1])
    const slowDone = runs.find((r) => Number(r.job_id) === slow && r.event === "done")!
    expect(waiterRuns[0]!.at.getTime()).toBeGreaterThanOrEqual(slowDone.at.getTime())
    expect((await jobsOf([waiter!]))[0]).toMatchObject({ status: "completed", attempts: 1 })
  }, TEST_MS)

  it("SIGTERM releases every buffered job before the process exits, attempts unchanged", async () => {
    const client = api(master.url)
    const ids = await client.enqueueMany(Array.from({ length: 20 }, () => ({ type: "slow", queue: "p-term", payload: { ms: 2000 } })))
    const worker = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "p-term",
      concurrency: 2,
      args: ["--queues", "p-term", "--prefetch", "6", "--shutdown-timeout", "20"]
    })
    await until(async () => (await bufferedIds("p-term", ids)).length === 6 && (await startedIds("p-term")).size === 2, "2 running, 6 buffered", LONG)
    const buffered = await bufferedIds("p-term", ids)
    const running = [...(await startedIds("p-term"))]
    worker.kill("SIGTERM")
    expect((await worker.exited).code).toBe(0)
    for (const j of await jobsOf(buffered)) expect(j).toMatchObject({ status: "pending", attempts: 0, worker_id: null })
    for (const j of await jobsOf(running)) expect(j).toMatchObject({ status: "completed", attempts: 1 })
    expect(await startedIds("p-term")).toEqual(new Set(running))
    expect((await client.countByStatus("p-term")).processing ?? 0).toBe(0)
    expect(logLines(worker, "shutdown: releasing buffered jobs unstarted")[0]?.count).toBe(6)
  }, TEST_MS)

  it("--prefetch 0 asks only for free slots; --prefetch 20 asks for more (the recording proxy sees both)", async () => {
    const client = api(master.url)
    const proxy = await leaseRecorder(master.url)
    try {
      for (const [setting, queue] of [["0", "p-zero"], ["20", "p-twenty"]] as const) {
        await client.enqueueMany(Array.from({ length: 300 }, () => ({ type: "record", queue })))
        const before = proxy.maxJobs.length
        const worker = startWorker({
          master: proxy.url,
          databaseUrl: env.db.url,
          workerId: queue,
          concurrency: 4,
          args: ["--queues", queue, "--prefetch", setting]
        })
        await until(async () => (await client.countByStatus(queue)).completed === 300, `300 completed (${queue})`, LONG)
        worker.kill("SIGTERM")
        expect((await worker.exited).code).toBe(0)
        const asked = proxy.maxJobs.slice(before)
        expect(asked.length).toBeGreaterThan(0)
        if (setting === "0") {
          expect(Math.max(...asked)).toBeLessThanOrEqual(4)
          expect(stoppedCounts(worker)?.prefetched).toBe(0)
        } else {
          expect(Math.max(...asked)).toBeGreaterThan(4)
          expect(Math.max(...asked)).toBeLessThanOrEqual(24)
          expect(stoppedCounts(worker)?.prefetched).toBeGreaterThan(0)
        }
      }
    } finally {
      await proxy.close()
    }
  }, TEST_MS)

  it("with 200 ms jobs two workers share a backlog evenly: auto buffers nothing, neither idles while the other buffers", async () => {
    const client = api(master.url)
    const ids = await client.enqueueMany(Array.from({ length: 80 }, () => ({ type: "slow", queue: "p-share", payload: { ms: 200 } })))
    const workers = ["p-share-a", "p-share-b"].map((workerId) =>
      startWorker({ master: master.url, databaseUrl: env.db.url, workerId, concurrency: 4, args: ["--queues", "p-share"] })
    )
    await until(async () => (await client.countByStatus("p-share")).completed === 80, "80 completed", LONG)
    workers.forEach((w) => w.kill("SIGTERM"))
    expect((await Promise.all(workers.map((w) => w.exited))).map((e) => e.code)).toEqual([0, 0])
    const done = await env.sql<Array<{ worker_id: string; n: number }>>`
      select worker_id, count(*)::int as n from e2e_runs where job_id in ${env.sql(ids)} and event = 'done' group by worker_id order by worker_id`
    expect(done.map((d) => d.worker_id)).toEqual(["p-share-a", "p-share-b"])
    expect(done.reduce((a, d) => a + d.n, 0)).toBe(80)
    for (const d of done) {
      expect(d.n).toBeGreaterThanOrEqual(28)
      expect(d.n).toBeLessThanOrEqual(52)
    }
    // Jobs longer than a round trip get no buffer: no job of either worker waited in one. On a machine so
    // loaded that the measured round trip passes the job time, auto buffers by design: then only print.
    for (const w of workers) {
      const c = stoppedCounts(w) as unknown as { prefetched: number; rtt_ms: number; job_ms: number }
      console.log(`p-share: prefetched ${c.prefetched}, round trip ${c.rtt_ms} ms, job ${c.job_ms} ms`)
      expect(c.job_ms).toBeGreaterThanOrEqual(200)
      if (c.rtt_ms < c.job_ms / 2) expect(c.prefetched).toBe(0)
    }
  }, TEST_MS)

  it("a max_concurrency queue shared by two prefetching workers: its few leases run in slots, neither worker starves", async () => {
    const client = api(master.url)
    await admin("PATCH", "/queues/p-limited", { max_concurrency: 4 })
    const ids = await client.enqueueMany(Array.from({ length: 48 }, () => ({ type: "slow", queue: "p-limited", payload: { ms: 150 } })))
    const workers = ["p-lim-a", "p-lim-b"].map((workerId) =>
      startWorker({ master: master.url, databaseUrl: env.db.url, workerId, concurrency: 2, args: ["--queues", "p-limited", "--prefetch", "10"] })
    )
    let maxLive = 0
    await until(async () => {
      const [row] = await env.sql`select count(*)::int as n from jobs where queue = 'p-limited' and status = 'processing' and lease_expires_at > now()`
      maxLive = Math.max(maxLive, Number(row?.n))
      return (await client.countByStatus("p-limited")).completed === 48
    }, "48 completed", LONG)
    workers.forEach((w) => w.kill("SIGTERM"))
    expect((await Promise.all(workers.map((w) => w.exited))).map((e) => e.code)).toEqual([0, 0])
    expect(maxLive).toBeLessThanOrEqual(4)
    const done = await env.sql<Array<{ worker_id: string; n: number }>>`
      select worker_id, count(*)::int as n from e2e_runs where job_id in ${env.sql(ids)} and event = 'done' group by worker_id order by worker_id`
    expect(done.reduce((a, d) => a + d.n, 0)).toBe(48)
    // Without "buffer only out of plenty" the first worker to lease holds all 4 leases (2 running, 2
    // buffered) and keeps refilling them with its own acks: the other never runs a job.
    expect(done.map((d) => d.worker_id)).toEqual(["p-lim-a", "p-lim-b"])
    for (const d of done) expect(d.n).toBeGreaterThanOrEqual(12)
    expect(workers.some((w) => logLines(w, "job released").some((l) => l.unstarted === "surplus"))).toBe(true)
    expect((await jobsOf(ids)).every((j) => j.status === "completed" && j.attempts === 1)).toBe(true)
  }, TEST_MS)

  it("kill -9 of a worker holding a full buffer: every job is leased again after expiry and completed exactly once", async () => {
    const client = api(master.url)
    const ids = await client.enqueueMany(Array.from({ length: 12 }, () => ({ type: "slow", queue: "p-kill", payload: { ms: 50 } })))
    const doomed = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "p-doomed",
      concurrency: 2,
      args: ["--queues", "p-kill", "--prefetch", "6", "--lease-seconds", "2"],
      env: { E2E_SLOW_MS: "600000" }
    })
    await until(async () => (await bufferedIds("p-doomed", ids)).length === 6 && (await startedIds("p-doomed")).size === 2, "2 running, 6 buffered", LONG)
    const held = [...(await bufferedIds("p-doomed", ids)), ...(await startedIds("p-doomed"))]
    doomed.kill("SIGKILL")
    expect((await doomed.exited).signal).toBe("SIGKILL")
    const rescuer = startWorker({ master: master.url, databaseUrl: env.db.url, workerId: "p-rescuer", concurrency: 4, args: ["--queues", "p-kill"] })
    await until(async () => (await client.countByStatus("p-kill")).completed === 12, "all 12 completed", LONG)
    rescuer.kill("SIGTERM")
    expect((await rescuer.exited).code).toBe(0)
    const done = await env.sql<Array<{ job_id: string; worker_id: string }>>`
      select job_id, worker_id from e2e_runs where job_id in ${env.sql(ids)} and event = 'done'`
    expect(done.length).toBe(12)
    expect(new Set(done.map((d) => Number(d.job_id)))).toEqual(new Set(ids))
    expect(done.every((d) => d.worker_id === "p-rescuer")).toBe(true)
    for (const j of await jobsOf(ids)) {
      expect(j.status).toBe("completed")
      expect(j.completed_worker).toBe("p-rescuer")
      expect(j.attempts).toBe(held.includes(Number(j.id)) ? 2 : 1)
    }
  }, TEST_MS)
})
