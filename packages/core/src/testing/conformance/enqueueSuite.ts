import { describe, expect, it } from "vitest"
import { expectJobShape, failsWith, helpers, ms, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

/** Enqueue one and many, defaults, idempotency keys, reads by id. */
export const enqueueSuite = (makeStore: MakeStore): void =>
  void describe("enqueue", () => {
    const store = useStore(makeStore)
    const h = helpers(store)

    it("applies the defaults and answers a complete job read", async () => {
      const clock = testClock()
      const type = unique("t")
      const { job, duplicate } = await run(store().jobEnqueue({ job: { type }, now: clock.now() }))
      expect(duplicate).toBe(false)
      expectJobShape(job)
      expect(job).toMatchObject({
        queue: "default",
        type,
        payload: null,
        status: "pending",
        priority: 0,
        attempts: 0,
        max_attempts: 3,
        worker_id: null,
        lease_expires_at: null,
        last_error: null,
        errors: [],
        result: null,
        idempotency_key: null,
        scan: null,
        completed_at: null
      })
      expect(ms(job.run_at)).toBe(clock.now().getTime())
      expect(ms(job.created_at)).toBe(clock.now().getTime())
      expect(ms(job.updated_at)).toBe(clock.now().getTime())
      expect(await h.get(job.id)).toEqual(job)
    })

    it("stores every given field and round-trips JSON payloads", async () => {
      const clock = testClock()
      const queue = unique("q")
      const payload = { nested: { list: [1, 2.5, "three", null, true] }, unicode: "zß水🚀", empty: {} }
      const runAt = clock.at(60_000)
      const job = await h.enqueue(
        { type: "t", queue, payload, priority: 7, runAt, maxAttempts: 5, idempotencyKey: "k1" },
        clock.now()
      )
      expect(job).toMatchObject({ queue, type: "t", payload, priority: 7, max_attempts: 5, idempotency_key: "k1" })
      expect(ms(job.run_at)).toBe(runAt.getTime())
      for (const p of [0, "text", [1, "a"], false, -3.25]) {
        expect((await h.enqueue({ type: "t", queue, payload: p }, clock.now())).payload).toEqual(p)
      }
    })

    it("computes run_at from delayMs, and an absolute runAt wins over delayMs", async () => {
      const clock = testClock()
      const queue = unique("q")
      const delayed = await h.enqueue({ type: "t", queue, delayMs: 1500 }, clock.now())
      expect(ms(delayed.run_at)).toBe(clock.at(1500).getTime())
      const both = await h.enqueue({ type: "t", queue, delayMs: 1500, runAt: clock.at(-5000) }, clock.now())
      expect(ms(both.run_at)).toBe(clock.at(-5000).getTime())
    })

    it("assigns increasing ids", async () => {
      const queue = unique("q")
      const a = await h.enqueue({ type: "t", queue })
      const b = await h.enqueue({ type: "t", queue })
      expect(b.id).toBeGreaterThan(a.id)
    })

    it("returns the existing job for an idempotency key in the same queue, a new one in another queue", async () => {
      const clock = testClock()
      const queue = unique("q")
      const other = unique("q")
      const first = await run(store().jobEnqueue({ job: { type: "t", queue, idempotencyKey: "same", payload: 1 }, now: clock.now() }))
      const again = await run(
        store().jobEnqueue({ job: { type: "t2", queue, idempotencyKey: "same", payload: 2 }, now: clock.advance(1000) })
      )
      expect(first.duplicate).toBe(false)
      expect(again.duplicate).toBe(true)
      expect(again.job).toEqual(first.job)
      const elsewhere = await run(store().jobEnqueue({ job: { type: "t", queue: other, idempotencyKey: "same" }, now: clock.now() }))
      expect(elsewhere.duplicate).toBe(false)
      expect(elsewhere.job.id).not.toBe(first.job.id)
      const listed = await run(store().jobList({ queue, limit: 10 }))
      expect(listed.jobs.map((j) => j.id)).toEqual([first.job.id])
    })

    it("answers a duplicate with the job as it is now, whatever its status", async () => {
      const clock = testClock()
      const queue = unique("q")
      const job = await h.enqueue({ type: "t", queue, idempotencyKey: "k" }, clock.now())
      const leased = await h.leaseOne({ queues: [queue], now: clock.advance(10) })
      await run(store().jobCompleteIfLeased({ id: job.id, workerId: leased.worker_id!, leaseToken: leased.lease_token, result: 42 }))
      const again = await run(store().jobEnqueue({ job: { type: "t", queue, idempotencyKey: "k" }, now: clock.advance(10) }))
      expect(again).toMatchObject({ duplicate: true, job: { id: job.id, status: "completed", result: 42 } })
    })

    it("enqueues many in request order; the first of a repeated key wins, earlier keys are duplicates", async () => {
      const clock = testClock()
      const queue = unique("q")
      const before = await h.enqueue({ type: "t", queue, idempotencyKey: "old", payload: "old" }, clock.now())
      const outcomes = await run(
        store().jobEnqueueMany({
          jobs: [
            { type: "a", queue, payload: 0, priority: 3 },
            { type: "b", queue, payload: 1, idempotencyKey: "dup" },
            { type: "c", queue, payload: 2, idempotencyKey: "old" },
            { type: "d", queue, payload: 3, idempotencyKey: "dup" },
            { type: "e", queue, payload: 4, delayMs: 100, maxAttempts: 9 }
          ],
          now: clock.advance(1)
        })
      )
      expect(outcomes.map((o) => o.duplicate)).toEqual([false, false, true, true, false])
      expect(outcomes.map((o) => o.job.payload)).toEqual([0, 1, "old", 1, 4])
      expect(outcomes[2]!.job.id).toBe(before.id)
      expect(outcomes[3]!.job.id).toBe(outcomes[1]!.job.id)
      expect(outcomes[0]!.job).toMatchObject({ type: "a", priority: 3, status: "pending" })
      expect(outcomes[4]!.job).toMatchObject({ type: "e", max_attempts: 9 })
      expect(ms(outcomes[4]!.job.run_at)).toBe(clock.now().getTime() + 100)
      const fresh = outcomes.filter((o) => !o.duplicate).map((o) => o.job.id)
      expect([...fresh].sort((x, y) => x - y)).toEqual(fresh)
      outcomes.forEach((o) => expectJobShape(o.job))
      const listed = await run(store().jobList({ queue, limit: 100 }))
      expect(listed.jobs).toHaveLength(4)
    })

    it("refuses an invalid job with Validation, and a batch holding one as a whole", async () => {
      const clock = testClock()
      const queue = unique("q")
      await failsWith(store().jobEnqueue({ job: { type: "t", queue, maxAttempts: 0 }, now: clock.now() }), "Validation")
      await failsWith(store().jobEnqueue({ job: { type: "t", queue, priority: 1001 }, now: clock.now() }), "Validation")
      await failsWith(store().jobEnqueue({ job: { type: "t", queue: "Bad Queue!" }, now: clock.now() }), "Validation")
      await failsWith(
        store().jobEnqueueMany({
          jobs: [
            { type: "t", queue, idempotencyKey: "first" },
            { type: "t", queue },
            { type: "t", queue, maxAttempts: 101 }
          ],
          now: clock.now()
        }),
        "Validation"
      )
      expect((await run(store().jobList({ queue, limit: 10 }))).jobs).toEqual([])
      const retry = await run(store().jobEnqueue({ job: { type: "t", queue, idempotencyKey: "first" }, now: clock.now() }))
      expect(retry.duplicate).toBe(false)
    })

    it("fails with NotFound for an unknown id", async () => {
      await failsWith(store().jobGet({ id: 2 ** 31 - 7 }), "NotFound")
    })
  })
