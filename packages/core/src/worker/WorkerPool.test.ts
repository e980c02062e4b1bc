import { describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import type { Handlers } from "./Handler.ts"
import type { WorkerPoolConfig } from "./PoolConfig.ts"
import { poolHarness, until } from "./testing/poolHarness.ts"
import type { WorkerPool } from "./WorkerPool.ts"

const makePool = poolHarness({ workerId: "w-test" })
const setup = (handlers: Handlers, overrides: Partial<WorkerPoolConfig> = {}) => makePool({ handlers, ...overrides })

describe("WorkerPool", () => {
  it("with prefetch 0: runs every job once, never more at once than its slots, leases only for free slots, and batches acks", async () => {
    let running = 0
    let maxRunning = 0
    const runs = new Map<number, number>()
    const { master, pool } = setup({
      work: async (job) => {
        running++
        maxRunning = Math.max(maxRunning, running)
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1)
        await new Promise((r) => setTimeout(r, 1))
        running--
        return { ok: job.id }
      }
    }, { prefetch: 0 })
    for (let i = 0; i < 200; i++) master.enqueue("work")
    pool.start()
    await until(() => master.count("completed") === 200)
    expect([...runs.values()].every((n) => n === 1)).toBe(true)
    expect(runs.size).toBe(200)
    expect(maxRunning).toBeLessThanOrEqual(4)
    expect(master.calls.lease.every((c) => c.max_jobs >= 1 && c.max_jobs <= 4)).toBe(true)
    expect(master.calls.lease.every((c) => c.types.length === 1 && c.types[0] === "work")).toBe(true)
    // Outcomes ride on lease calls or go alone: either way they are batched, and each lands once.
    const reports = [...master.calls.ack, ...master.calls.leaseAcks]
    expect(reports.length).toBeLessThan(200)
    expect(reports.some((n) => n > 1)).toBe(true)
    expect(reports.reduce((a, n) => a + n, 0)).toBe(200)
    expect([...master.jobs.values()].every((j) => (j.result as { ok: number }).ok === j.id)).toBe(true)
  })

  it("reports a throwing handler as failed with its message, and honours retryable: false", async () => {
    const { master, pool, events } = setup({
      flaky: () => {
        throw new Error("boom")
      },
      poison: () => {
        throw Object.assign(new Error("never works"), { retryable: false })
      }
    })
    const flaky = master.enqueue("flaky", null, 2)
    const poison = master.enqueue("poison", null, 5)
    pool.start()
    await until(() => master.jobs.get(flaky)?.status === "failed" && master.jobs.get(poison)?.status === "failed")
    expect(master.jobs.get(flaky)?.errors.map((e) => e.message)).toEqual(["boom", "boom"])
    expect(master.jobs.get(poison)?.attempts).toBe(1)
    expect(events.filter((e) => e.type === "job:failed").length).toBe(3)
  })

  it("aborts a handler whose lease is lost on renew and reports nothing for it", async () => {
    let aborted = false
    const { master, pool, events } = setup(
      {
        slow: (_job, ctx) =>
          new Promise((resolve) => {
            ctx.signal.addEventListener("abort", () => {
              aborted = true
              resolve("too late")
            })
          })
      },
      { leaseSeconds: 1, renewAt: 0.05 }
    )
    const id = master.enqueue("slow")
    pool.start()
    await until(() => master.jobs.get(id)?.status === "processing")
    await until(() => master.calls.renew > 0)
    master.cancel(id)
    await until(() => aborted)
    await until(() => pool.status().inFlight === 0)
    expect(master.jobs.get(id)?.status).toBe("cancelled")
    expect(master.calls.ack.length).toBe(0)
    expect(events.some((e) => e.type === "lease:lost" && e.during === "renew")).toBe(true)
    expect(events.some((e) => e.type === "job:completed")).toBe(false)
  })

  it("keeps renewing a long job so its lease never lapses", async () => {
    let expiries: Array<string> = []
    const { master, pool } = setup(
      {
        long: async (_job, ctx) => {
          const first = ctx.lease.expiresAt
          await until(() => master.calls.renew >= 3)
          expiries = [first, ctx.lease.expiresAt]
          return null
        }
      },
      { leaseSeconds: 1, renewAt: 0.05 }
    )
    const id = master.enqueue("long")
    pool.start()
    await until(() => master.jobs.get(id)?.status === "completed")
    expect(Date.parse(expiries[1] as string)).toBeGreaterThan(Date.parse(expiries[0] as string))
    expect(master.jobs.get(id)?.attempts).toBe(1)
  })

  it("survives a master that is down: keeps retrying the lease and carries on when it is back", async () => {
    const runs = new Map<number, number>()
    const { master, pool } = setup({ work: (job: LeasedJob) => void runs.set(job.id, (runs.get(job.id) ?? 0) + 1) })
    master.down = true
    const ids = Array.from({ length: 20 }, () => master.enqueue("work"))
    pool.start()
    // Several refused lease calls: the pool retried (with backoff) instead of giving up.
    await until(() => master.refused.lease >= 5)
    expect(runs.size).toBe(0)
    master.down = false
    await until(() => master.count("completed") === 20)
    expect(ids.map((id) => [runs.get(id), master.jobs.get(id)?.attempts])).toEqual(ids.map(() => [1, 1]))
  })

  it("retries acks while the master is down; the outcomes land once it is back, and no job runs twice", async () => {
    const runs = new Map<number, number>()
    const { master, pool } = setup({
      work: (job: LeasedJob) => {
        runs.set(job.id, (runs.get(job.id) ?? 0) + 1)
        if (runs.size === 5) master.down = true
        return "ok"
      }
    })
    const ids = Array.from({ length: 10 }, () => master.enqueue("work"))
    pool.start()
    // The outcomes of the jobs that finished were refused, and sent again (alone or on lease calls), while the master was down.
    await until(() => master.refused.ack + master.refused.lease >= 3)
    const completedWhileDown = master.count("completed")
    expect(completedWhileDown).toBeLessThan(10)
    master.down = false
    await until(() => master.count("completed") === 10)
    expect(ids.map((id) => [runs.get(id), master.jobs.get(id)?.attempts, master.jobs.get(id)?.result])).toEqual(ids.map(() => [1, 1, "ok"]))
    // Each outcome landed once: alone or on a lease call.
    expect([...master.calls.ack, ...master.calls.leaseAcks].reduce((a, b) => a + b, 0)).toBe(10)
  })

  it("stop() lets running jobs finish within the timeout and reports them", async () => {
    let release: () => void = () => {}
    const { master, pool } = setup({ work: () => new Promise<string>((r) => (release = () => r("done"))) })
    const id = master.enqueue("work")
    pool.start()
    await until(() => master.jobs.get(id)?.status === "processing")
    const stopped = pool.stop()
    await until(() => pool.status().state === "stopping")
    release()
    await stopped
    expect(master.jobs.get(id)?.status).toBe("completed")
    expect(pool.status().state).toBe("stopped")
  })

  it("stop() cuts an in-flight long-poll short instead of waiting out its wait_ms", async () => {
    const { master, pool } = setup({ work: () => "ok" }, { waitMs: 600_000 })
    pool.start()
    await until(() => master.calls.lease.length > 0)
    await pool.stop()
    expect(master.leasesInterrupted).toBeGreaterThanOrEqual(1)
    expect(pool.status().state).toBe("stopped")
    expect(pool.status().slots.every((s) => s.state === "stopped")).toBe(true)
  })

  it("stop() aborts and releases jobs still running at the timeout, without burning an attempt", async () => {
    let signalled = false
    const { master, pool, events } = setup(
      {
        stuck: (_job, ctx) =>
          new Promise(() => {
            ctx.signal.addEventListener("abort", () => (signalled = true))
          })
      },
      { shutdownTimeoutMs: 50 }
    )
    const id = master.enqueue("stuck")
    pool.start()
    await until(() => master.jobs.get(id)?.status === "processing")
    await pool.stop()
    expect(signalled).toBe(true)
    expect(master.jobs.get(id)?.status).toBe("pending")
    expect(master.jobs.get(id)?.attempts).toBe(0)
    expect(events.some((e) => e.type === "job:released")).toBe(true)
  })

  it("restarts a crashed slot actor, releases its job, and keeps working", async () => {
    let crashes = 0
    const seen: Array<LeasedJob> = []
    const { master, pool, events } = setup(
      { work: (job) => void seen.push(job) },
      {
        concurrency: 1,
        onSlotState: (_slot, state) => {
          if (state === "running" && crashes === 0) {
            crashes++
            throw new Error("injected crash")
          }
        }
      }
    )
    const first = master.enqueue("work")
    for (let i = 0; i < 5; i++) master.enqueue("work")
    pool.start()
    await until(() => master.count("completed") === 6)
    expect(pool.status().counts.crashed).toBe(1)
    expect(events.some((e) => e.type === "slot:crashed")).toBe(true)
    expect(master.calls.release).toBeGreaterThanOrEqual(1)
    expect(master.jobs.get(first)?.attempts).toBe(1)
  })
})
