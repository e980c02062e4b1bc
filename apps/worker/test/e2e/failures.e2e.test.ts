import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { api, killAll, startMaster, startWorker, until, type MasterProc } from "./harness.ts"
import { setupDatabase } from "./db.ts"

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

const runsOf = async (ids: ReadonlyArray<number>) =>
  env.sql<Array<{ job_id: string; attempt: number; worker_id: string; event: string }>>`
    select job_id, attempt, worker_id, event from e2e_runs where job_id in ${env.sql(ids)} order by at`

describe("worker failures against the real master", () => {
  it("kill -9 of a worker holding jobs: they are leased again after expiry and completed by another worker", async () => {
    const client = api(master.url)
    const ids = await client.enqueueMany(Array.from({ length: 6 }, () => ({ type: "slow", queue: "kill" })))
    const doomed = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "doomed",
      concurrency: 4,
      args: ["--queues", "kill", "--lease-seconds", "2"],
      env: { E2E_SLOW_MS: "600000" }
    })
    const held = await until(async () => {
      const rows = await env.sql`select distinct job_id from e2e_runs where worker_id = 'doomed' and event = 'start'`
      return rows.length === 4 ? rows.map((r) => Number(r.job_id)) : undefined
    }, "the doomed worker to hold 4 jobs")
    doomed.kill("SIGKILL")
    expect((await doomed.exited).signal).toBe("SIGKILL")
    const rescuer = startWorker({ master: master.url, databaseUrl: env.db.url, workerId: "rescuer", concurrency: 4, args: ["--queues", "kill"] })
    await until(async () => (await client.countByStatus("kill")).completed === 6, "all 6 jobs completed")
    rescuer.kill("SIGTERM")
    expect((await rescuer.exited).code).toBe(0)
    for (const id of held) {
      const job = await client.job(id)
      expect(job.status).toBe("completed")
      expect(job.attempts).toBe(2)
    }
    const runs = await runsOf(ids)
    for (const id of ids) {
      const done = runs.filter((r) => Number(r.job_id) === id && r.event === "done")
      expect(done.length).toBe(1)
      expect(done[0]?.worker_id).toBe("rescuer")
    }
  })

  it("SIGTERM during work: short jobs finish, long ones are released in time, exit 0, nothing lost", async () => {
    const client = api(master.url)
    const quick = await client.enqueueMany(Array.from({ length: 3 }, () => ({ type: "slow", queue: "term", payload: { ms: 300 } })))
    const long = await client.enqueueMany(Array.from({ length: 3 }, () => ({ type: "slow", queue: "term", payload: { ms: 600_000 } })))
    const worker = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "termed",
      concurrency: 6,
      args: ["--queues", "term", "--shutdown-timeout", "2"]
    })
    await until(async () => {
      const rows = await env.sql`select count(distinct job_id) as n from e2e_runs where worker_id = 'termed' and event = 'start'`
      return Number(rows[0]?.n) === 6
    }, "all 6 jobs running")
    worker.kill("SIGTERM")
    const exit = await worker.exited
    expect(exit.code).toBe(0)
    for (const id of quick) expect((await client.job(id)).status).toBe("completed")
    for (const id of long) {
      const job = await client.job(id)
      expect(job.status).toBe("pending")
      expect(job.attempts).toBe(0)
      expect(job.worker_id).toBeNull()
    }
    expect(worker.output()).toContain("job released")
    const aborted = await env.sql`select count(*) as n from e2e_runs where worker_id = 'termed' and event = 'aborted'`
    expect(Number(aborted[0]?.n)).toBe(3)
    const finisher = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "finisher",
      args: ["--queues", "term"],
      env: { E2E_SLOW_MS: "1" }
    })
    await until(async () => (await client.countByStatus("term")).completed === 6, "all 6 jobs completed")
    finisher.kill("SIGTERM")
    expect((await finisher.exited).code).toBe(0)
  })

  it("a second signal exits at once, without waiting for the shutdown timeout", async () => {
    const client = api(master.url)
    const [id] = await client.enqueueMany([{ type: "slow", queue: "term2", payload: { ms: 600_000 } }])
    const worker = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "impatient",
      concurrency: 1,
      args: ["--queues", "term2", "--shutdown-timeout", "600", "--lease-seconds", "2"]
    })
    await until(async () => (await env.sql`select 1 from e2e_runs where job_id = ${id!} and event = 'start'`).length > 0, "the job to start")
    worker.kill("SIGTERM")
    await until(() => worker.output().includes("signal received: draining"), "the first signal to be handled")
    worker.kill("SIGTERM")
    const exit = await worker.exited
    expect(exit.code).toBe(1)
    expect(worker.output()).toContain("second signal: exiting now")
  })

  // A lease the master committed just before it was killed never reaches its worker: it is recovered at
  // expiry, so this test leases for 3 s to see every job through.
  it("the master restarted mid-run: workers keep retrying and carry on; nothing is lost", async () => {
    let current = master
    const client = () => api(current.url)
    const ids = await client().enqueueMany(Array.from({ length: 600 }, () => ({ type: "slow", queue: "restart", payload: { ms: 20 } })))
    const workers = ["r1", "r2"].map((w) =>
      startWorker({
        master: master.url,
        databaseUrl: env.db.url,
        workerId: w,
        concurrency: 8,
        args: ["--queues", "restart", "--lease-seconds", "3"]
      })
    )
    await until(async () => (await client().countByStatus("restart")).completed >= 100, "some progress")
    const logged = workers.map((w) => w.output().length)
    current.kill("SIGKILL")
    await current.exited
    const doneBefore = await env.sql`select count(*) as n from e2e_runs where event = 'done' and job_id in ${env.sql(ids)}`
    // The master comes back only once both workers have met the outage and said they keep retrying.
    await until(
      () => workers.every((w, i) => w.output().slice(logged[i]).includes("master unavailable, retrying with backoff")),
      "both workers retrying against the dead master"
    )
    current = await startMaster({ databaseUrl: env.db.url, port: master.port, sweepIntervalMs: 300 })
    master = current
    await until(async () => (await client().countByStatus("restart")).completed === 600, "all 600 jobs completed", 90_000).catch(
      async (error) => {
        const diag = { stats: await client().countByStatus("restart"), logs: workers.map((w) => w.output().slice(-4000)) }
        throw new Error(`${error.message}: ${JSON.stringify(diag, null, 1)}`)
      }
    )
    expect(Number(doneBefore[0]?.n)).toBeLessThan(600)
    workers.forEach((w) => w.kill("SIGTERM"))
    const exits = await Promise.all(workers.map((w) => w.exited))
    expect(exits.map((e) => e.code)).toEqual([0, 0])
    expect(workers.some((w) => w.output().includes("master unavailable"))).toBe(true)
    const done = await env.sql<Array<{ job_id: string }>>`select distinct job_id from e2e_runs where event = 'done' and job_id in ${env.sql(ids)}`
    expect(done.length).toBe(600)
  })
})
