import { describe, expect, it } from "vitest"
import type { Job } from "@leasehold/contracts"
import { FAR_FUTURE, expectJobShape, failsWith, helpers, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

/** Operator reads: job lists, stats, leases, workers, and pruning finished jobs. */
export const readSuite = (makeStore: MakeStore): void =>
  void describe("reads", () => {
    const store = useStore(makeStore)
    const h = helpers(store)

    it("lists by id ascending with keyset pages; next_cursor is null on the last page", async () => {
      const clock = testClock()
      const queue = unique("q")
      const created = (await run(store().jobEnqueueMany({ jobs: Array.from({ length: 6 }, (_, i) => ({ type: "t", queue, payload: i })), now: clock.now() }))).map(
        (o) => o.job.id
      )
      const seen: Array<Job> = []
      let cursor: string | undefined
      let pages = 0
      do {
        const page = await run(store().jobList({ queue, limit: 2, cursor }))
        page.jobs.forEach(expectJobShape)
        expect(page.jobs.length).toBe(2)
        seen.push(...page.jobs)
        cursor = page.next_cursor ?? undefined
        pages++
      } while (cursor !== undefined && pages < 10)
      expect(pages).toBe(3)
      expect(seen.map((j) => j.id)).toEqual(created)
      const all = await run(store().jobList({ queue, limit: 500 }))
      expect(all.next_cursor).toBeNull()
      expect(all.jobs.map((j) => j.id)).toEqual(created)
      const short = await run(store().jobList({ queue, limit: 4 }))
      expect(short.next_cursor).not.toBeNull()
      const rest = await run(store().jobList({ queue, limit: 4, cursor: short.next_cursor! }))
      expect(rest).toEqual({ jobs: all.jobs.slice(4), next_cursor: null })
    })

    it("filters by queue, status, type and worker", async () => {
      const clock = testClock()
      const queue = unique("q")
      const workerId = unique("w")
      const a = await h.enqueue({ type: "alpha", queue }, clock.now())
      const b = await h.enqueue({ type: "beta", queue }, clock.now())
      const c = await h.enqueue({ type: "beta", queue }, clock.now())
      await h.leaseOne({ queues: [queue], types: ["alpha"], workerId, now: clock.now() })
      const ids = async (p: Parameters<ReturnType<typeof store>["jobList"]>[0]) => (await run(store().jobList(p))).jobs.map((j) => j.id)
      expect(await ids({ queue, limit: 50 })).toEqual([a.id, b.id, c.id])
      expect(await ids({ queue, type: "beta", limit: 50 })).toEqual([b.id, c.id])
      expect(await ids({ queue, status: "processing", limit: 50 })).toEqual([a.id])
      expect(await ids({ queue, status: "pending", type: "beta", limit: 1 })).toEqual([b.id])
      expect(await ids({ workerId, limit: 50 })).toEqual([a.id])
      expect(await ids({ queue: unique("q"), limit: 50 })).toEqual([])
    })

    it("rejects a malformed cursor with Validation", async () => {
      await failsWith(store().jobList({ limit: 10, cursor: "not a cursor!" }), "Validation")
      await failsWith(store().jobList({ limit: 10, cursor: "%%%" }), "Validation")
    })

    it("counts jobs per queue and status, the oldest pending age and expired leases", async () => {
      const clock = testClock()
      const queue = unique("q")
      const idle = unique("q")
      await run(store().jobRescueExpired({ now: FAR_FUTURE }))
      await run(store().jobEnqueueMany({ jobs: Array.from({ length: 5 }, () => ({ type: "t", queue })), now: clock.now() }))
      await h.enqueue({ type: "t", queue: idle }, clock.now())
      const [x, y] = await h.lease({ queues: [queue, idle], maxJobs: 2, types: ["t"], leaseSeconds: 10, now: clock.advance(1000) })
      expect([x!.queue, y!.queue]).toEqual([queue, queue])
      await run(store().jobCompleteIfLeased({ id: x!.id, workerId: x!.worker_id!, leaseToken: x!.lease_token, now: clock.now() }))
      await run(store().jobCancel({ id: (await h.leaseOne({ queues: [queue], now: clock.now() })).id, now: clock.now() }))
      await h.lease({ queues: [idle], now: clock.now() })
      const stats = await run(store().statsGet({ now: clock.advance(20_000) }))
      expect(stats.queues[queue]).toEqual({
        blocked: 0,
        pending: 2,
        processing: 1,
        retrying: 0,
        completed: 1,
        failed: 0,
        cancelled: 1,
        oldest_pending_age_ms: 21_000
      })
      expect(stats.queues[idle]).toMatchObject({ pending: 0, processing: 1, oldest_pending_age_ms: null })
      expect(stats.expired_leases).toBe(1)
    })

    it("lists active and expired leases per queue", async () => {
      const clock = testClock()
      const queue = unique("q")
      const workerId = unique("w")
      await run(store().jobEnqueueMany({ jobs: Array.from({ length: 3 }, () => ({ type: "t", queue })), now: clock.now() }))
      const short = await h.leaseOne({ queues: [queue], workerId, leaseSeconds: 5, now: clock.now() })
      const long = await h.lease({ queues: [queue], workerId, maxJobs: 2, leaseSeconds: 500, now: clock.advance(1000) })
      const now = clock.advance(10_000)
      const expired = await run(store().leaseList({ state: "expired", queue, limit: 100, now }))
      expect(expired).toEqual([
        {
          job_id: short.id,
          queue,
          type: "t",
          worker_id: workerId,
          leased_at: clock.at(0).toISOString(),
          lease_expires_at: clock.at(5000).toISOString()
        }
      ])
      const active = await run(store().leaseList({ state: "active", queue, limit: 100, now }))
      expect(active.map((l) => l.job_id).sort()).toEqual(long.map((j) => j.id).sort())
      expect(active.every((l) => l.leased_at === clock.at(1000).toISOString())).toBe(true)
      expect(await run(store().leaseList({ state: "active", queue, limit: 1, now }))).toHaveLength(1)
      const boundary = clock.at(5000)
      expect((await run(store().leaseList({ state: "active", queue, limit: 100, now: boundary }))).map((l) => l.job_id)).toContain(short.id)
      expect(await run(store().leaseList({ state: "expired", queue, limit: 100, now: boundary }))).toEqual([])
      expect(await run(store().leaseList({ state: "active", queue: unique("q"), limit: 10, now }))).toEqual([])
    })

    it("registers workers: last seen, in-flight live leases, seen since", async () => {
      const clock = testClock()
      const queue = unique("q")
      const [w1, w2] = [unique("w"), unique("w")]
      await run(store().workerTouch({ workerId: w1, now: clock.now() }))
      await run(store().workerTouch({ workerId: w2, now: clock.advance(60_000) }))
      await run(store().jobEnqueueMany({ jobs: [{ type: "t", queue }, { type: "t", queue }], now: clock.now() }))
      await h.lease({ queues: [queue], workerId: w2, maxJobs: 2, leaseSeconds: 100, now: clock.now() })
      const mine = async (since: Date) =>
        (await run(store().workerList({ since, now: clock.now() }))).filter((w) => w.worker_id === w1 || w.worker_id === w2)
      expect(await mine(clock.at(30_000))).toEqual([{ worker_id: w2, last_seen_at: clock.at(60_000).toISOString(), in_flight: 2 }])
      await run(store().jobEnqueue({ job: { type: "t", queue }, now: clock.now() }))
      await h.lease({ queues: [queue], workerId: w2, leaseSeconds: 1, now: clock.now() })
      expect((await mine(clock.at(30_000)))[0]!.in_flight).toBe(3)
      clock.advance(2000)
      expect((await mine(clock.at(30_000)))[0]!.in_flight).toBe(2)
      expect((await mine(clock.at(0))).map((w) => w.worker_id).sort()).toEqual([w1, w2].sort())
      await run(store().workerTouch({ workerId: w1, now: clock.advance(1000) }))
      expect(await mine(clock.at(30_000))).toContainEqual({ worker_id: w1, last_seen_at: clock.now().toISOString(), in_flight: 0 })
    })

    it("prunes finished jobs older than the cutoff and nothing else", async () => {
      const clock = testClock(new Date("1990-01-01T00:00:00.000Z"))
      const queue = unique("q")
      const keep = unique("q")
      const ids = async (n: number, q = queue) =>
        (await run(store().jobEnqueueMany({ jobs: Array.from({ length: n }, () => ({ type: "t", queue: q })), now: clock.now() }))).map((o) => o.job.id)
      const [waiting, retrying, processing] = await ids(3, keep)
      const pair = await h.lease({ queues: [keep], types: ["t"], maxJobs: 2, now: clock.now() })
      const toFail = pair.find((j) => j.id === waiting)
      const toLease = pair.find((j) => j.id === retrying)
      await run(store().jobReleaseIfLeased({ id: toFail!.id, workerId: toFail!.worker_id!, leaseToken: toFail!.lease_token, now: clock.now() }))
      await run(store().jobFailIfLeased({ id: toLease!.id, workerId: toLease!.worker_id!, leaseToken: toLease!.lease_token, error: { message: "x" }, retryInMs: 3_600_000, now: clock.now() }))
      const [done, failed, cancelled] = await ids(3)
      for (const id of [done!, failed!, cancelled!]) {
        const lease = await h.leaseOne({ queues: [queue], now: clock.now() })
        expect(lease.id).toBe(id)
        const p = { id, workerId: lease.worker_id!, leaseToken: lease.lease_token, now: clock.now() }
        if (id === done) await run(store().jobCompleteIfLeased(p))
        if (id === failed) await run(store().jobFailIfLeased({ ...p, error: { message: "x" }, retryable: false }))
        if (id === cancelled) await run(store().jobCancel({ id, now: clock.now() }))
      }
      const leasedKeep = await h.leaseOne({ queues: [keep], now: clock.now() })
      expect(leasedKeep.id).toBe(waiting)
      await run(store().jobCancel({ id: processing!, now: clock.now() }))
      await run(store().jobRetry({ id: processing!, now: clock.now() }))
      const cutoff = clock.advance(1000)
      const [recent] = await ids(1)
      const recentLease = await h.leaseOne({ queues: [queue], now: clock.advance(1000) })
      expect(recentLease.id).toBe(recent)
      await run(store().jobCompleteIfLeased({ id: recent!, workerId: recentLease.worker_id!, leaseToken: recentLease.lease_token, now: clock.now() }))
      expect(await run(store().jobPruneFinished({ before: cutoff, limit: 2 }))).toBe(2)
      expect(await run(store().jobPruneFinished({ before: cutoff }))).toBeGreaterThanOrEqual(1)
      for (const id of [done!, failed!, cancelled!]) await failsWith(store().jobGet({ id }), "NotFound")
      expect((await h.get(waiting!)).status).toBe("processing")
      expect((await h.get(retrying!)).status).toBe("retrying")
      expect((await h.get(processing!)).status).toBe("pending")
      expect((await h.get(recent!)).status).toBe("completed")
    })
  })
