import { describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import { failsWith, helpers, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

/** Per-queue counts by status and completed / failed jobs per minute (GET /queues counts, GET /stats/throughput). */
export const countsSuite = (makeStore: MakeStore): void =>
  void describe("counts and throughput", () => {
    const store = useStore(makeStore)
    const h = helpers(store)
    const proof = (j: LeasedJob, now: Date) => ({ id: j.id, workerId: j.worker_id!, leaseToken: j.lease_token, now })

    it("counts the jobs of each queue by status, one queue or all", async () => {
      const clock = testClock()
      const queue = unique("q")
      const other = unique("q")
      await run(store().jobEnqueueMany({ jobs: Array.from({ length: 5 }, () => ({ type: "t", queue })), now: clock.now() }))
      await h.enqueue({ type: "t", queue: other }, clock.now())
      const [a, b, c] = await h.lease({ queues: [queue], maxJobs: 3, now: clock.now() })
      await run(store().jobCompleteIfLeased(proof(a!, clock.now())))
      await run(store().jobFailIfLeased({ ...proof(b!, clock.now()), error: { message: "boom" }, retryable: false }))
      const pending = (await run(store().jobList({ queue, status: "pending", limit: 10 }))).jobs
      await run(store().jobCancel({ id: pending[0]!.id, now: clock.now() }))
      const expected = { blocked: 0, pending: 1, processing: 1, retrying: 0, completed: 1, failed: 1, cancelled: 1 }
      expect((await run(store().queueCountsGet({ queue })))).toEqual({ [queue]: expected })
      const all = await run(store().queueCountsGet({}))
      expect(all[queue]).toEqual(expected)
      expect(all[other]).toEqual({ blocked: 0, pending: 1, processing: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 })
      expect(await run(store().queueCountsGet({ queue: unique("q") }))).toEqual({})
      await run(store().jobFailIfLeased({ ...proof(c!, clock.now()), error: { message: "again" }, retryInMs: 1000 }))
      expect((await run(store().queueCountsGet({ queue })))[queue]).toMatchObject({ processing: 0, retrying: 1 })
    })

    it("answers completed and failed per minute, oldest first, zeros included, the current minute last", async () => {
      const clock = testClock(new Date("2031-05-01T10:00:30.000Z"))
      const queue = unique("q")
      await run(store().jobEnqueueMany({ jobs: Array.from({ length: 5 }, () => ({ type: "t", queue })), now: clock.now() }))
      const [a, b, c, d, e] = await h.lease({ queues: [queue], maxJobs: 5, now: clock.now() })
      await run(store().jobCompleteIfLeased(proof(a!, clock.now())))
      await run(store().leaseAckMany({ workerId: b!.worker_id!, items: [{ jobId: b!.id, leaseToken: b!.lease_token, outcome: "completed" }], now: clock.now() }))
      clock.advance(120_000)
      await run(store().jobFailIfLeased({ ...proof(c!, clock.now()), error: { message: "x" }, retryable: false }))
      await run(store().jobFailIfLeased({ ...proof(d!, clock.now()), error: { message: "x" }, retryInMs: 60_000 }))
      await run(store().jobCancel({ id: e!.id, now: clock.now() }))
      const minutes = await run(store().throughputGet({ minutes: 5, queue, now: clock.advance(60_000) }))
      expect(minutes).toEqual([
        { at: "2031-05-01T09:59:00.000Z", completed: 0, failed: 0 },
        { at: "2031-05-01T10:00:00.000Z", completed: 2, failed: 0 },
        { at: "2031-05-01T10:01:00.000Z", completed: 0, failed: 0 },
        { at: "2031-05-01T10:02:00.000Z", completed: 0, failed: 1 },
        { at: "2031-05-01T10:03:00.000Z", completed: 0, failed: 0 }
      ])
      expect(await run(store().throughputGet({ minutes: 1, queue, now: clock.at(130_000) }))).toEqual([
        { at: "2031-05-01T10:02:00.000Z", completed: 0, failed: 1 }
      ])
      const all = await run(store().throughputGet({ minutes: 3, now: clock.at(130_000) }))
      expect(all.map((m) => m.at)).toEqual(["2031-05-01T10:00:00.000Z", "2031-05-01T10:01:00.000Z", "2031-05-01T10:02:00.000Z"])
      expect(all[0]!.completed).toBeGreaterThanOrEqual(2)
      expect(await run(store().throughputGet({ minutes: 1440, queue: unique("q"), now: clock.now() }))).toHaveLength(1440)
    })

    it("takes a failed job that an operator retries out of its minute", async () => {
      const clock = testClock(new Date("2031-06-01T08:00:10.000Z"))
      const queue = unique("q")
      await h.enqueue({ type: "t", queue }, clock.now())
      const j = await h.leaseOne({ queues: [queue], now: clock.now() })
      await run(store().jobFailIfLeased({ ...proof(j, clock.now()), error: { message: "x" }, retryable: false }))
      expect(await run(store().throughputGet({ minutes: 1, queue, now: clock.now() }))).toEqual([{ at: "2031-06-01T08:00:00.000Z", completed: 0, failed: 1 }])
      await run(store().jobRetry({ id: j.id, now: clock.advance(1000) }))
      expect(await run(store().throughputGet({ minutes: 1, queue, now: clock.now() }))).toEqual([{ at: "2031-06-01T08:00:00.000Z", completed: 0, failed: 0 }])
    })

    it("rejects minutes outside 1..1440 with Validation", async () => {
      await failsWith(store().throughputGet({ minutes: 0 }), "Validation")
      await failsWith(store().throughputGet({ minutes: 1441 }), "Validation")
      await failsWith(store().throughputGet({ minutes: 1.5 }), "Validation")
    })
  })
