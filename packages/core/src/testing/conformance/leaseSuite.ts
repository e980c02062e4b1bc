import { describe, expect, it } from "vitest"
import { failsWith, helpers, ms, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

/** Leasing: what is leasable, in which order, with which lease, and when it becomes leasable again. */
export const leaseSuite = (makeStore: MakeStore): void =>
  void describe("lease", () => {
    const store = useStore(makeStore)
    const h = helpers(store)

    it("grants a lease: processing, attempts + 1, fresh token, expiry and renew_after from now", async () => {
      const clock = testClock()
      const queue = unique("q")
      const a = await h.enqueue({ type: "t", queue }, clock.now())
      const b = await h.enqueue({ type: "t", queue }, clock.now())
      const leased = await h.lease({ queues: [queue], maxJobs: 5, workerId: "w-a", leaseSeconds: 90, now: clock.advance(5) })
      expect(leased.map((j) => j.id).sort()).toEqual([a.id, b.id].sort())
      for (const job of leased) {
        expect(job).toMatchObject({ status: "processing", attempts: 1, worker_id: "w-a" })
        expect(ms(job.lease_expires_at)).toBe(clock.now().getTime() + 90_000)
        expect(ms(job.renew_after)).toBe(clock.now().getTime() + 45_000)
        expect(ms(job.updated_at)).toBe(clock.now().getTime())
      }
      expect(leased[0]!.lease_token).not.toBe(leased[1]!.lease_token)
      const read = await h.get(a.id)
      expect(read).toMatchObject({ status: "processing", attempts: 1, worker_id: "w-a" })
      expect(read.lease_expires_at).toBe(leased.find((j) => j.id === a.id)!.lease_expires_at)
      expect(await h.lease({ queues: [queue], maxJobs: 5, now: clock.advance(1000) })).toEqual([])
    })

    it("leases by priority desc, then run_at asc, then id asc", async () => {
      const clock = testClock()
      const queue = unique("q")
      const low = await h.enqueue({ type: "t", queue, priority: -5, runAt: clock.at(-9000) }, clock.now())
      const lateHigh = await h.enqueue({ type: "t", queue, priority: 10, runAt: clock.at(-1000) }, clock.now())
      const earlyHigh = await h.enqueue({ type: "t", queue, priority: 10, runAt: clock.at(-2000) }, clock.now())
      const mid1 = await h.enqueue({ type: "t", queue, runAt: clock.at(-3000) }, clock.now())
      const mid2 = await h.enqueue({ type: "t", queue, runAt: clock.at(-3000) }, clock.now())
      const expected = [earlyHigh.id, lateHigh.id, mid1.id, mid2.id, low.id]
      const firstTwo = await h.lease({ queues: [queue], maxJobs: 2, now: clock.now() })
      expect(firstTwo.map((j) => j.id).sort()).toEqual(expected.slice(0, 2).sort())
      const order: Array<number> = []
      for (let i = 0; i < 3; i++) order.push((await h.leaseOne({ queues: [queue], now: clock.now() })).id)
      expect(order).toEqual(expected.slice(2))
    })

    it("applies the lease order across all requested queues", async () => {
      const clock = testClock()
      const [q1, q2] = [unique("q"), unique("q")]
      const older = await h.enqueue({ type: "t", queue: q1, runAt: clock.at(-60_000) }, clock.now())
      const urgent = await h.enqueue({ type: "t", queue: q2, priority: 5 }, clock.now())
      const newer = await h.enqueue({ type: "t", queue: q2, runAt: clock.at(-1000) }, clock.now())
      const order: Array<number> = []
      for (let i = 0; i < 3; i++) order.push((await h.leaseOne({ queues: [q1, q2], now: clock.now() })).id)
      expect(order).toEqual([urgent.id, older.id, newer.id])
    })

    it("leases only due jobs of the requested queues and types", async () => {
      const clock = testClock()
      const [q1, q2, q3] = [unique("q"), unique("q"), unique("q")]
      const later = await h.enqueue({ type: "t", queue: q1, runAt: clock.at(10_000) }, clock.now())
      const mine = await h.enqueue({ type: "wanted", queue: q2 }, clock.now())
      const otherType = await h.enqueue({ type: "unwanted", queue: q2 }, clock.now())
      await h.enqueue({ type: "t", queue: q3 }, clock.now())
      const leased = await h.lease({ queues: [q1, q2], types: ["wanted", "t"], maxJobs: 10, now: clock.now() })
      expect(leased.map((j) => j.id)).toEqual([mine.id])
      expect(await h.lease({ queues: [q1], maxJobs: 10, now: clock.at(9_999) })).toEqual([])
      expect((await h.lease({ queues: [q1], maxJobs: 10, now: clock.at(10_000) })).map((j) => j.id)).toEqual([later.id])
      expect((await h.get(otherType.id)).status).toBe("pending")
      expect((await h.lease({ queues: [q2], types: ["unwanted"], now: clock.now() })).map((j) => j.id)).toEqual([otherType.id])
    })

    it("respects maxJobs", async () => {
      const clock = testClock()
      const queue = unique("q")
      await run(store().jobEnqueueMany({ jobs: Array.from({ length: 7 }, () => ({ type: "t", queue })), now: clock.now() }))
      expect(await h.lease({ queues: [queue], maxJobs: 3, now: clock.now() })).toHaveLength(3)
      expect(await h.lease({ queues: [queue], maxJobs: 3, now: clock.now() })).toHaveLength(3)
      expect(await h.lease({ queues: [queue], maxJobs: 3, now: clock.now() })).toHaveLength(1)
    })

    it("re-leases an expired lease with a new token and attempts + 1; the old token is rejected everywhere", async () => {
      const clock = testClock()
      const queue = unique("q")
      const job = await h.enqueue({ type: "t", queue, maxAttempts: 3 }, clock.now())
      const first = await h.leaseOne({ queues: [queue], workerId: "w-old", leaseSeconds: 10, now: clock.now() })
      expect(await h.lease({ queues: [queue], now: clock.at(10_000) })).toEqual([])
      const second = await h.leaseOne({ queues: [queue], workerId: "w-new", leaseSeconds: 10, now: clock.at(10_001) })
      expect(second).toMatchObject({ id: job.id, attempts: 2, worker_id: "w-new" })
      expect(second.lease_token).not.toBe(first.lease_token)
      const stale = { id: job.id, workerId: "w-old", leaseToken: first.lease_token, now: clock.at(10_002) }
      await failsWith(store().jobCompleteIfLeased(stale), "LeaseLost")
      await failsWith(store().jobFailIfLeased({ ...stale, error: { message: "x" } }), "LeaseLost")
      await failsWith(store().jobReleaseIfLeased(stale), "LeaseLost")
      await failsWith(store().jobRenewIfLeased(stale), "LeaseLost")
      const acked = await run(
        store().leaseAckMany({ workerId: "w-old", items: [{ jobId: job.id, leaseToken: first.lease_token, outcome: "completed" }] })
      )
      expect(acked).toEqual([{ job_id: job.id, ok: false, error: { code: "lease_lost", message: expect.any(String) } }])
      const renewed = await run(store().leaseRenewMany({ workerId: "w-old", items: [{ jobId: job.id, leaseToken: first.lease_token }] }))
      expect(renewed[0]).toMatchObject({ job_id: job.id, ok: false, error: { code: "lease_lost" } })
      expect(await h.get(job.id)).toMatchObject({ status: "processing", attempts: 2, worker_id: "w-new" })
      const third = await h.leaseOne({ queues: [queue], leaseSeconds: 10, now: clock.at(20_002) })
      expect(third.attempts).toBe(3)
      expect(await h.lease({ queues: [queue], now: clock.at(40_000) })).toEqual([])
      expect(await run(store().jobRescueExpired({ now: clock.at(40_000) }))).toMatchObject({ failed: expect.any(Number) })
      expect(await h.get(job.id)).toMatchObject({ status: "failed", attempts: 3 })
    })

    it("lets the holder of an expired lease nobody took over still finish", async () => {
      const clock = testClock()
      const queue = unique("q")
      const job = await h.enqueue({ type: "t", queue }, clock.now())
      const leased = await h.leaseOne({ queues: [queue], leaseSeconds: 5, now: clock.now() })
      const done = await run(
        store().jobCompleteIfLeased({ id: job.id, workerId: leased.worker_id!, leaseToken: leased.lease_token, result: "late", now: clock.at(60_000) })
      )
      expect(done).toMatchObject({ status: "completed", result: "late" })
    })

    it("answers when a job becomes leasable by time, or null", async () => {
      const clock = testClock()
      const queue = unique("q")
      const next = (now: Date, types?: ReadonlyArray<string>) => run(store().jobNextLeasableAt({ queues: [queue], types, now }))
      expect(await next(clock.now())).toBeNull()
      await h.enqueue({ type: "late", queue, runAt: clock.at(50_000) }, clock.now())
      await h.enqueue({ type: "soon", queue, runAt: clock.at(20_000) }, clock.now())
      expect((await next(clock.now()))?.getTime()).toBe(clock.at(20_000).getTime())
      expect((await next(clock.now(), ["late"]))?.getTime()).toBe(clock.at(50_000).getTime())
      expect(await next(clock.now(), ["none"])).toBeNull()
      await h.enqueue({ type: "now", queue }, clock.now())
      const leased = await h.leaseOne({ queues: [queue], types: ["now"], leaseSeconds: 5, now: clock.now() })
      expect((await next(clock.now(), ["now"]))?.getTime()).toBe(ms(leased.lease_expires_at))
    })

    it("finds the earliest due time across every priority and every queue asked for", async () => {
      const clock = testClock()
      const [qa, qb] = [unique("q"), unique("q")]
      const next = (queues: ReadonlyArray<string>, types?: ReadonlyArray<string>) =>
        run(store().jobNextLeasableAt({ queues, types, now: clock.now() })).then((d) => d?.getTime() ?? null)
      await h.enqueue({ type: "due", queue: qa, priority: 9 }, clock.now())
      await h.enqueue({ type: "hi", queue: qa, priority: 9, runAt: clock.at(90_000) }, clock.now())
      await h.enqueue({ type: "mid", queue: qa, priority: 0, runAt: clock.at(70_000) }, clock.now())
      await h.enqueue({ type: "lo", queue: qa, priority: -5, runAt: clock.at(30_000) }, clock.now())
      await h.enqueue({ type: "lo", queue: qa, priority: -5, runAt: clock.at(60_000) }, clock.now())
      await h.enqueue({ type: "b", queue: qb, priority: 3, runAt: clock.at(10_000) }, clock.now())
      expect(await next([qa])).toBe(clock.at(30_000).getTime())
      expect(await next([qa], ["hi", "mid"])).toBe(clock.at(70_000).getTime())
      expect(await next([qa], ["due"])).toBeNull()
      expect(await next([qa, qb])).toBe(clock.at(10_000).getTime())
      expect(await next([qb, qa], ["hi"])).toBe(clock.at(90_000).getTime())
    })

    it("rejects lease durations outside 1..86400 s before leasing or renewing anything", async () => {
      const clock = testClock()
      const queue = unique("q")
      const job = await h.enqueue({ type: "t", queue }, clock.now())
      for (const leaseSeconds of [0, 86_401]) {
        await failsWith(store().jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 1, leaseSeconds, now: clock.now() }), "Validation")
      }
      expect((await h.get(job.id)).status).toBe("pending")
      const leased = await h.leaseOne({ queues: [queue], leaseSeconds: 86_400, now: clock.now() })
      const proof = { id: job.id, workerId: leased.worker_id!, leaseToken: leased.lease_token, now: clock.now() }
      await failsWith(store().jobRenewIfLeased({ ...proof, leaseSeconds: 0 }), "Validation")
      expect((await h.get(job.id)).lease_expires_at).toBe(leased.lease_expires_at)
    })

    it("rejects a requested batch size above the server maximum or below 1 before leasing anything", async () => {
      const clock = testClock()
      const queue = unique("q")
      const job = await h.enqueue({ type: "t", queue }, clock.now())
      await failsWith(store().jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 1, leaseSeconds: 30, requestedBatchSize: 1_000_001, now: clock.now() }), "Validation")
      await failsWith(
        store().jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 1, leaseSeconds: 30, requestedBatchSize: 11, serverMaxBatchSize: 10, now: clock.now() }),
        "Validation"
      )
      await failsWith(store().jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 1, leaseSeconds: 30, requestedBatchSize: 0, now: clock.now() }), "Validation")
      expect((await h.get(job.id)).status).toBe("pending")
      const ok = await h.lease({ queues: [queue], requestedBatchSize: 10, serverMaxBatchSize: 10, now: clock.now() })
      expect(ok.map((j) => j.id)).toEqual([job.id])
    })
  })
