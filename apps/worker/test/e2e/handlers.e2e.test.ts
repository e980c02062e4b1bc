import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { createWorker } from "../../src/createWorker.ts"
import { api, killAll, startMaster, startWorker, until, type MasterProc } from "./harness.ts"
import { setupDatabase } from "./db.ts"

let env: Awaited<ReturnType<typeof setupDatabase>>
let master: MasterProc

beforeAll(async () => {
  env = await setupDatabase()
  master = await startMaster({ databaseUrl: env.db.url })
})

afterAll(async () => {
  await killAll()
  await env?.close()
})

describe("handler outcomes against the real master", () => {
  it("cancelling a running job from the admin API fires its handler's signal; no completion is recorded", async () => {
    const client = api(master.url)
    const [id] = await client.enqueueMany([{ type: "slow", queue: "cancel", payload: { ms: 600_000 } }])
    const worker = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "canceller",
      concurrency: 2,
      args: ["--queues", "cancel", "--lease-seconds", "2"]
    })
    await until(async () => (await env.sql`select 1 from e2e_runs where job_id = ${id!} and event = 'start'`).length > 0, "the job to start")
    expect((await client.cancel(id!)).status).toBe("cancelled")
    await until(async () => (await env.sql`select 1 from e2e_runs where job_id = ${id!} and event = 'aborted'`).length > 0, "the handler's signal")
    await until(() => worker.output().includes("lease lost"), "the worker to log the lost lease")
    worker.kill("SIGTERM")
    expect((await worker.exited).code).toBe(0)
    const job = await client.job(id!)
    expect(job.status).toBe("cancelled")
    expect(job.result).toBeNull()
    expect(job.errors).toEqual([])
    expect(await env.sql`select 1 from e2e_runs where job_id = ${id!} and event = 'done'`).toHaveLength(0)
  })

  it("a throwing handler is retried with backoff; a poison job ends failed after max attempts with its history", async () => {
    const client = api(master.url)
    const [flaky, poison] = await client.enqueueMany([
      { type: "flaky", queue: "throws", payload: { fail_times: 2 }, max_attempts: 5 },
      { type: "poison", queue: "throws", max_attempts: 3 }
    ])
    const worker = startWorker({ master: master.url, databaseUrl: env.db.url, workerId: "thrower", concurrency: 2, args: ["--queues", "throws"] })
    const done = await until(async () => {
      const [f, p] = [await client.job(flaky!), await client.job(poison!)]
      return f.status === "completed" && p.status === "failed" ? { f, p } : undefined
    }, "the flaky job to complete and the poison job to fail")
    worker.kill("SIGTERM")
    expect((await worker.exited).code).toBe(0)
    expect(done.f.attempts).toBe(3)
    expect(done.f.result).toEqual({ succeeded_on: 3 })
    expect(done.f.errors.map((e: { message: string }) => e.message)).toEqual([
      "flaky failure on attempt 1",
      "flaky failure on attempt 2"
    ])
    expect(done.p.attempts).toBe(3)
    expect(done.p.last_error).toBe("poison attempt 3")
    expect(done.p.errors.map((e: { attempt: number }) => e.attempt)).toEqual([1, 2, 3])
    const runs = await env.sql<Array<{ at: Date }>>`select at from e2e_runs where job_id = ${poison!} order by at`
    expect(runs).toHaveLength(3)
    const at = done.p.errors.map((e: { at: string }) => Date.parse(e.at))
    expect(at[1]).toBeGreaterThanOrEqual(at[0])
    expect(at[2]).toBeGreaterThanOrEqual(at[1])
  })

  it("createWorker as a library: start, status, the events of SPEC.md, and stop", async () => {
    const client = api(master.url)
    const [ok, bad, doomed] = await client.enqueueMany([
      { type: "double", queue: "lib", payload: 21 },
      { type: "explode", queue: "lib", max_attempts: 1 },
      { type: "hang", queue: "lib" }
    ])
    const seen: Array<string> = []
    let hangAborted = false
    const worker = createWorker({
      master: master.url,
      queues: ["lib"],
      concurrency: 3,
      leaseSeconds: 2,
      waitMs: 1000,
      handlers: {
        double: async (job) => (job.payload as number) * 2,
        explode: async () => {
          throw new Error("kaboom")
        },
        hang: (_job, ctx) => new Promise((resolve) => ctx.signal.addEventListener("abort", () => ((hangAborted = true), resolve(null))))
      }
    })
    worker.on("job:started", (job) => seen.push(`started:${job.id}`))
    worker.on("job:completed", (job, result) => seen.push(`completed:${job.id}:${JSON.stringify(result)}`))
    worker.on("job:failed", (job, error) => seen.push(`failed:${job.id}:${error.message}`))
    worker.on("lease:lost", (job, during) => seen.push(`lost:${job.id}:${during}`))
    expect(worker.status().state).toBe("created")
    await worker.start()
    await until(() => seen.includes(`started:${doomed}`), "the hanging job to start")
    await until(() => seen.includes(`completed:${ok}:42`) && seen.includes(`failed:${bad}:kaboom`), "the outcomes")
    expect(worker.status()).toMatchObject({ state: "running", concurrency: 3, inFlight: 1 })
    await client.cancel(doomed!)
    await until(() => seen.includes(`lost:${doomed}:renew`), "lease:lost after the cancel")
    expect(hangAborted).toBe(true)
    await worker.stop()
    expect(worker.status().state).toBe("stopped")
    expect(worker.status().counts).toMatchObject({ completed: 1, failed: 1, lost: 1 })
    expect((await client.job(ok!)).result).toBe(42)
    expect((await client.job(bad!)).status).toBe("failed")
  })
})
