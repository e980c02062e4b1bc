import { describe, expect, it } from "vitest"
import type { Handlers } from "./Handler.ts"
import type { PoolEvent, WorkerPoolConfig } from "./PoolConfig.ts"
import { poolHarness, until } from "./testing/poolHarness.ts"
import type { WorkerPool } from "./WorkerPool.ts"

const makePool = poolHarness({ workerId: "w-prefetch", concurrency: 2 })
const setup = (handlers: Handlers, overrides: Partial<WorkerPoolConfig> = {}) => makePool({ handlers, ...overrides })

/** A handler that holds its slot until `open()`. */
const gate = () => {
  let opened = false
  const waiting: Array<() => void> = []
  return {
    handler: () => (opened ? "ok" : new Promise<string>((r) => waiting.push(() => r("ok")))),
    open: () => {
      opened = true
      for (const w of waiting.splice(0)) w()
    }
  }
}

const runsById = (events: ReadonlyArray<PoolEvent>) => {
  const runs = new Map<number, number>()
  for (const e of events) if (e.type === "job:started") runs.set(e.job.id, (runs.get(e.job.id) ?? 0) + 1)
  return runs
}

describe("WorkerPool prefetch", () => {
  it("auto buffers short jobs across a slow round trip, runs each once, and shows the buffer in status()", async () => {
    // No-op jobs (µs) against a 20 ms round trip: far apart whatever the machine's load. The handler
    // itself looks at status(): the buffer drains too fast for a poller to see it.
    let seen: ReturnType<WorkerPool["status"]> | null = null
    const { master, pool, events } = setup(
      {
        work: () => {
          const s = pool.status()
          if (s.buffered.length > (seen?.buffered.length ?? 0)) seen = s
          return "ok"
        }
      },
      { concurrency: 4 }
    )
    master.leaseLatencyMs = 20
    for (let i = 0; i < 600; i++) master.enqueue("work")
    pool.start()
    await until(() => master.count("completed") === 600, 30_000)
    const buffered = seen as ReturnType<WorkerPool["status"]> | null
    expect(buffered?.buffered.length).toBeGreaterThan(0)
    expect(buffered?.prefetch.target).toBeGreaterThan(0)
    expect(buffered?.buffered.every((b) => b.leaseExpiresAt.endsWith("Z") && b.waitedMs >= 0)).toBe(true)
    expect(master.calls.lease.some((c) => c.max_jobs > 4)).toBe(true)
    expect(master.calls.lease.every((c) => c.max_jobs <= 1000)).toBe(true)
    const runs = runsById(events)
    expect(runs.size).toBe(600)
    expect([...runs.values()].every((n) => n === 1)).toBe(true)
    expect([...master.jobs.values()].every((j) => j.attempts === 1)).toBe(true)
  })

  it("a slot goes from one buffered job to the next without passing through idle (one slot event per job)", async () => {
    const states: Array<string> = []
    const { master, pool, events } = setup({ work: () => "ok" }, { concurrency: 1, prefetch: 50, onSlotState: (_slot, st) => void states.push(st) })
    master.leaseLatencyMs = 20
    for (let i = 0; i < 200; i++) master.enqueue("work")
    pool.start()
    await until(() => master.count("completed") === 200, 30_000)
    const runs = runsById(events)
    expect(runs.size).toBe(200)
    expect([...runs.values()].every((n) => n === 1)).toBe(true)
    // Each "idle" is a job that did not follow another from the buffer: with 50 buffered per 20 ms round
    // trip, almost every job does (without HANDLER_DONE's `next` every job would pass through idle).
    const idles = states.filter((st) => st === "idle").length
    expect(idles).toBeLessThan(50)
    expect(states.filter((st) => st === "running").length).toBe(200)
  })

  it("auto gives no buffer to jobs longer than a round trip: never more leased than slots", async () => {
    // 150 ms jobs against an instant in-process master: far apart whatever the machine's load.
    const { master, pool } = setup({ work: () => new Promise((r) => setTimeout(() => r("ok"), 150)) }, { concurrency: 3 })
    for (let i = 0; i < 24; i++) master.enqueue("work")
    let maxHeld = 0
    pool.start()
    await until(() => {
      maxHeld = Math.max(maxHeld, master.count("processing"))
      expect(pool.status().buffered.length).toBe(0)
      return master.count("completed") === 24
    }, 30_000)
    expect(maxHeld).toBeLessThanOrEqual(3)
    expect(master.calls.lease.every((c) => c.max_jobs <= 3)).toBe(true)
    expect(pool.status().prefetch.jobMs).toBeGreaterThan(pool.status().prefetch.rttMs)
  })

  it("prefetch N holds N jobs beside busy slots, renews them while they wait, and starts them in order", async () => {
    const g = gate()
    const { master, pool, events } = setup({ work: g.handler }, { prefetch: 3, leaseSeconds: 2, renewAt: 0.1 })
    const ids = Array.from({ length: 8 }, () => master.enqueue("work"))
    pool.start()
    await until(() => pool.status().buffered.length === 3)
    const first = pool.status().buffered
    expect(first.map((b) => b.jobId)).toEqual(ids.slice(2, 5))
    expect(master.count("processing")).toBe(5)
    // Renewed while buffered: the expiry moves forward in the master and in status().
    const before = first.map((b) => Date.parse(b.leaseExpiresAt))
    await until(() => pool.status().buffered.every((b, i) => Date.parse(b.leaseExpiresAt) > before[i]!))
    expect(master.calls.renew).toBeGreaterThan(0)
    g.open()
    await until(() => master.count("completed") === 8)
    const started = events.flatMap((e) => (e.type === "job:started" ? [e.job.id] : []))
    expect(started).toEqual(ids)
    expect([...master.jobs.values()].every((j) => j.attempts === 1)).toBe(true)
  })

  it("releases a buffered job unstarted once it waited more than half its lease, without burning an attempt", async () => {
    const g = gate()
    const { master, pool, events } = setup({ work: g.handler }, { concurrency: 1, prefetch: 1, leaseSeconds: 1, renewAt: 0.2 })
    const blocker = master.enqueue("work")
    const waiter = master.enqueue("work")
    pool.start()
    await until(() => pool.status().buffered.some((b) => b.jobId === waiter))
    await until(() => events.some((e) => e.type === "job:released" && e.job.id === waiter))
    expect(events.some((e) => e.type === "job:started" && e.job.id === waiter)).toBe(false)
    // Released after more than half of its 1 s lease: it was not started, and the attempt was taken back.
    g.open()
    await until(() => master.count("completed") === 2)
    expect(master.jobs.get(blocker)?.attempts).toBe(1)
    expect(master.jobs.get(waiter)?.attempts).toBe(1)
    expect(runsById(events).get(waiter)).toBe(1)
  })

  it("keeps a buffered job whose release the master refused: renewed, started later, never left to expire", async () => {
    const g = gate()
    const { master, pool, events } = setup({ work: g.handler }, { concurrency: 1, prefetch: 1, leaseSeconds: 1, renewAt: 0.2 })
    master.refuseReleases = true
    master.enqueue("work")
    const waiter = master.enqueue("work")
    pool.start()
    await until(() => pool.status().buffered.some((b) => b.jobId === waiter))
    // Past half its 1 s lease the pool tries to give it back; the master refuses every release.
    await until(() => master.calls.release > 0)
    await until(() => pool.status().buffered.some((b) => b.jobId === waiter))
    g.open()
    await until(() => master.count("completed") === 2)
    // Kept under its first lease (renewed meanwhile), so it ran once on attempt 1; dropped, its lease
    // would have expired and the job run again on attempt 2.
    expect(master.jobs.get(waiter)?.attempts).toBe(1)
    expect(runsById(events).get(waiter)).toBe(1)
    expect(events.some((e) => e.type === "job:released" && e.job.id === waiter)).toBe(false)
  })

  it("stop() releases every buffered job unstarted, attempts unchanged", async () => {
    const g = gate()
    const { master, pool, events } = setup({ work: g.handler }, { prefetch: 4, shutdownTimeoutMs: 100 })
    for (let i = 0; i < 10; i++) master.enqueue("work")
    pool.start()
    await until(() => pool.status().buffered.length === 4)
    const buffered = pool.status().buffered.map((b) => b.jobId)
    await pool.stop()
    for (const id of buffered) {
      expect(master.jobs.get(id)?.status).toBe("pending")
      expect(master.jobs.get(id)?.attempts).toBe(0)
    }
    expect(master.count("processing")).toBe(0)
    expect(events.some((e) => e.type === "job:started" && buffered.includes(e.job.id))).toBe(false)
    expect(pool.status().buffered).toEqual([])
  })

  it("drops a buffered job whose lease is lost, and never starts it", async () => {
    const g = gate()
    const { master, pool, events } = setup({ work: g.handler }, { concurrency: 1, prefetch: 1, leaseSeconds: 10, renewAt: 0.01 })
    master.enqueue("work")
    const doomed = master.enqueue("work")
    pool.start()
    await until(() => pool.status().buffered.some((b) => b.jobId === doomed))
    master.cancel(doomed)
    await until(() => events.some((e) => e.type === "lease:lost" && e.job.id === doomed))
    expect(pool.status().buffered.some((b) => b.jobId === doomed)).toBe(false)
    g.open()
    await until(() => master.count("completed") === 1)
    expect(events.some((e) => e.type === "job:started" && e.job.id === doomed)).toBe(false)
  })

  it("buffers only out of plenty: a short answer releases what the slots do not take", async () => {
    const g = gate()
    const { master, pool, events } = setup({ work: g.handler }, { concurrency: 2, prefetch: 10 })
    for (let i = 0; i < 5; i++) master.enqueue("work")
    pool.start()
    // Asked 12, got 5: two start, three go back to the master (no job time measured yet: nothing drains within a round trip).
    await until(() => master.calls.release >= 3)
    expect(master.calls.lease[0]?.max_jobs).toBe(12)
    expect(pool.status().prefetch.scarce).toBe(true)
    expect(pool.status().buffered.length).toBe(0)
    // Scarce: no call for the buffer alone while both slots are busy (the master was dry a moment ago).
    const calls = master.calls.lease.length
    await new Promise((r) => setTimeout(r, 200))
    expect(master.calls.lease.length).toBe(calls)
    g.open()
    await until(() => master.count("completed") === 5)
    expect([...master.jobs.values()].every((j) => j.attempts === 1)).toBe(true)
    expect([...runsById(events).values()].every((n) => n === 1)).toBe(true)
  })
})
