import { afterAll, beforeAll, describe, expect, it } from "vitest"
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

describe("worker processes against the real master", () => {
  it("3 workers x concurrency 8 complete 3,000 jobs, each exactly once", async () => {
    const client = api(master.url)
    const ids = await client.enqueueMany(Array.from({ length: 3000 }, (_, i) => ({ type: "record", payload: { i } })))
    const workers = ["a", "b", "c"].map((w) =>
      startWorker({ master: master.url, databaseUrl: env.db.url, workerId: `tp-${w}`, concurrency: 8 })
    )
    await until(async () => (await client.countByStatus()).completed === 3000, "3,000 completions", 90_000)
    workers.forEach((w) => w.kill("SIGTERM"))
    const exits = await Promise.all(workers.map((w) => w.exited))
    expect(exits.map((e) => e.code)).toEqual([0, 0, 0])
    const runs = await env.sql<Array<{ job_id: string; n: string }>>`
      select job_id, count(*) as n from e2e_runs where event = 'run' group by job_id`
    expect(runs.length).toBe(3000)
    expect(runs.every((r) => Number(r.n) === 1)).toBe(true)
    expect(new Set(runs.map((r) => Number(r.job_id)))).toEqual(new Set(ids))
    const byWorker = await env.sql<Array<{ worker_id: string }>>`select distinct worker_id from e2e_runs`
    expect(byWorker.length).toBeGreaterThan(1)
    const sample = await client.job(ids[1234] as number)
    expect(sample.status).toBe("completed")
    expect(sample.result).toEqual({ ok: ids[1234] })
  })

  it("a scan processed by 3 workers with different batch sizes covers every unit once", async () => {
    const client = api(master.url)
    const total = 200_000
    const workers = [700, 1000, 1300].map((size, i) =>
      startWorker({
        master: master.url,
        databaseUrl: env.db.url,
        workerId: `scan-${i}`,
        concurrency: 4,
        args: ["--queues", "scans", "--batch-size", String(size)]
      })
    )
    // The scan starts once all three poll the master, so none finds it already carved by the others.
    await until(async () => {
      const seen = await client.workerIds()
      return ["scan-0", "scan-1", "scan-2"].every((w) => seen.includes(w)) || undefined
    }, "the 3 scan workers to poll", 60_000)
    await client.createScan({ name: "e2e-scan", type: "range", queue: "scans", start: 0, end: total, default_batch_size: 1000 })
    const scan = await until(async () => {
      const s = await client.scan("e2e-scan")
      return s.done ? s : undefined
    }, "the scan to finish", 90_000)
    workers.forEach((w) => w.kill("SIGTERM"))
    await Promise.all(workers.map((w) => w.exited))
    expect(scan.progress).toBe(1)
    expect(scan.completed_units).toBe(total)
    const ranges = await env.sql<Array<{ job_id: string; s: string; e: string; worker_id: string }>>`
      select job_id, range_start as s, range_end as e, worker_id from e2e_ranges order by range_start`
    let cursor = 0
    for (const r of ranges) {
      expect(Number(r.s)).toBe(cursor)
      cursor = Number(r.e)
    }
    expect(cursor).toBe(total)
    expect(new Set(ranges.map((r) => r.job_id)).size).toBe(ranges.length)
    const sizes = new Set(ranges.map((r) => Number(r.e) - Number(r.s)))
    expect([700, 1000, 1300].filter((n) => sizes.has(n)).length).toBeGreaterThanOrEqual(2)
    expect(new Set(ranges.map((r) => r.worker_id)).size).toBe(3)
  })
})
