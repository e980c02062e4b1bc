import { describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import { isAckRepeat, isJobRepeat } from "../../JobStore.ts"
import { failsWith, helpers, ms, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

const proof = (job: LeasedJob) => ({ id: job.id, workerId: job.worker_id!, leaseToken: job.lease_token })

/** What a lease holder can report: complete, fail, release, renew, one by one and batched. */
export const outcomeSuite = (makeStore: MakeStore): void =>
  void describe("lease outcomes", () => {
    const store = useStore(makeStore)
    const h = helpers(store)
    const setup = async (job: { readonly maxAttempts?: number } = {}) => {
      const clock = testClock()
      const queue = unique("q")
      const created = await h.enqueue({ type: "t", queue, ...job }, clock.now())
      const leased = await h.leaseOne({ queues: [queue], workerId: unique("w"), leaseSeconds: 60, now: clock.advance(1000) })
      expect(leased.id).toBe(created.id)
      return { clock, queue, leased }
    }

    it("completes once; the same token again answers the same job and the first result stands", async () => {
      const { clock, leased } = await setup()
      const done = await run(store().jobCompleteIfLeased({ ...proof(leased), result: { ok: 1 }, now: clock.advance(500) }))
      expect(done).toMatchObject({ status: "completed", result: { ok: 1 }, worker_id: null, lease_expires_at: null, attempts: 1 })
      expect(ms(done.completed_at)).toBe(clock.now().getTime())
      const again = await run(store().jobCompleteIfLeased({ ...proof(leased), result: { ok: 2 }, now: clock.advance(500) }))
      expect(again).toEqual(done)
      expect(await h.get(leased.id)).toEqual(done)
      expect([isJobRepeat(done), isJobRepeat(again)]).toEqual([false, true])
      expect(JSON.stringify(again)).toBe(JSON.stringify(done))
    })

    it("a repeat complete with the right token but another worker id is LeaseLost, one by one and batched", async () => {
      const { clock, leased } = await setup()
      const done = await run(store().jobCompleteIfLeased({ ...proof(leased), result: { ok: 1 }, now: clock.advance(500) }))
      await failsWith(store().jobCompleteIfLeased({ ...proof(leased), workerId: "someone-else", now: clock.advance(1) }), "LeaseLost")
      const batched = await run(
        store().leaseAckMany({ workerId: "someone-else", items: [{ jobId: leased.id, leaseToken: leased.lease_token, outcome: "completed" }], now: clock.now() })
      )
      expect(batched).toEqual([{ job_id: leased.id, ok: false, error: { code: "lease_lost", message: expect.any(String) } }])
      const same = await run(
        store().leaseAckMany({ workerId: leased.worker_id!, items: [{ jobId: leased.id, leaseToken: leased.lease_token, outcome: "completed" }], now: clock.now() })
      )
      expect(same).toEqual([{ job_id: leased.id, ok: true }])
      expect(isAckRepeat(same[0]!)).toBe(true)
      expect(await h.get(leased.id)).toEqual(done)
    })

    it("rejects a token that never held the job, a wrong worker, and an unknown id", async () => {
      const { clock, queue, leased } = await setup()
      await h.enqueue({ type: "t", queue }, clock.now())
      const other = await h.leaseOne({ queues: [queue], now: clock.now() })
      await failsWith(store().jobCompleteIfLeased({ ...proof(leased), leaseToken: other.lease_token }), "LeaseLost")
      await failsWith(store().jobCompleteIfLeased({ ...proof(leased), leaseToken: "not-a-real-token-000000" }), "LeaseLost")
      await failsWith(store().jobCompleteIfLeased({ ...proof(leased), workerId: "someone-else" }), "LeaseLost")
      await failsWith(store().jobFailIfLeased({ ...proof(leased), workerId: "someone-else", error: { message: "x" } }), "LeaseLost")
      await failsWith(store().jobReleaseIfLeased({ ...proof(leased), workerId: "someone-else" }), "LeaseLost")
      await failsWith(store().jobRenewIfLeased({ ...proof(leased), workerId: "someone-else" }), "LeaseLost")
      const unknown = { id: 2 ** 31 - 11, workerId: "w", leaseToken: leased.lease_token }
      await failsWith(store().jobCompleteIfLeased(unknown), "NotFound")
      await failsWith(store().jobFailIfLeased({ ...unknown, error: { message: "x" } }), "NotFound")
      await failsWith(store().jobReleaseIfLeased(unknown), "NotFound")
      await failsWith(store().jobRenewIfLeased(unknown), "NotFound")
      expect(await h.get(leased.id)).toMatchObject({ status: "processing", attempts: 1, result: null })
    })

    it("fails a retryable attempt to retrying after retryInMs, with the error history", async () => {
      const { clock, queue, leased } = await setup({ maxAttempts: 3 })
      const failed = await run(
        store().jobFailIfLeased({ ...proof(leased), error: { message: "boom", stack: "at x" }, retryInMs: 5000, now: clock.advance(100) })
      )
      expect(failed).toMatchObject({ status: "retrying", attempts: 1, last_error: "boom", worker_id: null, lease_expires_at: null })
      expect(failed.errors).toEqual([{ attempt: 1, message: "boom", at: clock.now().toISOString(), stack: "at x" }])
      expect(ms(failed.run_at)).toBe(clock.now().getTime() + 5000)
      await failsWith(store().jobCompleteIfLeased(proof(leased)), "LeaseLost")
      await failsWith(store().jobFailIfLeased({ ...proof(leased), error: { message: "again" } }), "LeaseLost")
      expect(await h.lease({ queues: [queue], now: clock.at(1100 + 4999) })).toEqual([])
      expect((await h.get(leased.id)).status).toBe("retrying")
      const second = await h.leaseOne({ queues: [queue], now: clock.advance(5000) })
      expect(second).toMatchObject({ id: leased.id, attempts: 2 })
      const again = await run(store().jobFailIfLeased({ ...proof(second), error: { message: "bang" }, retryable: true, now: clock.advance(1) }))
      expect(again.errors.map((e) => [e.attempt, e.message])).toEqual([[1, "boom"], [2, "bang"]])
      expect(again.last_error).toBe("bang")
    })

    it("backs off with full jitter under the default base of 1 s (the distribution: backoffDistribution.ts)", async () => {
      const clock = testClock()
      const queue = unique("q")
      const workerId = unique("w")
      for (let i = 0; i < 40; i++) await h.enqueue({ type: "t", queue, maxAttempts: 5 }, clock.now())
      const leased = await run(store().jobLeaseAcquire({ workerId, queues: [queue], maxJobs: 40, leaseSeconds: 60, now: clock.advance(1) }))
      const delays: Array<number> = []
      for (const job of leased) {
        const failed = await run(store().jobFailIfLeased({ id: job.id, workerId, leaseToken: job.lease_token, error: { message: "e" }, now: clock.now() }))
        expect(failed.status).toBe("retrying")
        delays.push(ms(failed.run_at) - clock.now().getTime())
      }
      expect(delays).toHaveLength(40)
      expect(delays.filter((d) => d < 0 || d > 1000)).toEqual([])
      const mean = delays.reduce((a, b) => a + b, 0) / delays.length
      expect(mean).toBeGreaterThan(250)
      expect(mean).toBeLessThan(750)
      expect(Math.max(...delays)).toBeGreaterThan(500)
    })

    it("fails straight to failed when not retryable or when the attempts are used up", async () => {
      const notRetryable = await setup({ maxAttempts: 3 })
      const dead = await run(
        store().jobFailIfLeased({ ...proof(notRetryable.leased), error: { message: "fatal" }, retryable: false, now: notRetryable.clock.now() })
      )
      expect(dead).toMatchObject({ status: "failed", attempts: 1, last_error: "fatal", worker_id: null })
      expect(ms(dead.completed_at)).toBe(notRetryable.clock.now().getTime())
      expect(dead.errors).toHaveLength(1)
      expect(await h.lease({ queues: [notRetryable.queue], now: notRetryable.clock.advance(3_600_000) })).toEqual([])
      const lastTry = await setup({ maxAttempts: 1 })
      const exhausted = await run(
        store().jobFailIfLeased({ ...proof(lastTry.leased), error: { message: "e" }, retryable: true, retryInMs: 0, now: lastTry.clock.now() })
      )
      expect(exhausted).toMatchObject({ status: "failed", attempts: 1 })
      expect(ms(exhausted.completed_at)).toBe(lastTry.clock.now().getTime())
    })

    it("releases: pending again, the attempt taken back, the worker cleared, the token dead", async () => {
      const { clock, queue, leased } = await setup()
      const released = await run(store().jobReleaseIfLeased({ ...proof(leased), now: clock.advance(10) }))
      expect(released).toMatchObject({ status: "pending", attempts: 0, worker_id: null, lease_expires_at: null })
      await failsWith(store().jobReleaseIfLeased(proof(leased)), "LeaseLost")
      await failsWith(store().jobCompleteIfLeased(proof(leased)), "LeaseLost")
      const again = await h.leaseOne({ queues: [queue], now: clock.now() })
      expect(again).toMatchObject({ id: leased.id, attempts: 1 })
    })

    it("renews for the lease's own duration or the given seconds; a renewed lease is not taken over", async () => {
      const { clock, queue, leased } = await setup()
      const own = await run(store().jobRenewIfLeased({ ...proof(leased), now: clock.advance(30_000) }))
      expect(ms(own.lease_expires_at)).toBe(clock.now().getTime() + 60_000)
      expect(ms(own.renew_after)).toBe(clock.now().getTime() + 30_000)
      const renewed = await run(store().jobRenewIfLeased({ ...proof(leased), leaseSeconds: 120, now: clock.advance(10_000) }))
      expect(ms(renewed.lease_expires_at)).toBe(clock.now().getTime() + 120_000)
      expect(ms(renewed.renew_after)).toBe(clock.now().getTime() + 60_000)
      expect((await h.get(leased.id)).lease_expires_at).toBe(renewed.lease_expires_at)
      expect(await h.lease({ queues: [queue], now: clock.at(1000 + 61_000) })).toEqual([])
      expect(await h.lease({ queues: [queue], now: clock.at(1000 + 91_000) })).toEqual([])
      const late = await run(store().jobRenewIfLeased({ ...proof(leased), leaseSeconds: 10, now: clock.advance(500_000) }))
      expect(ms(late.lease_expires_at)).toBe(clock.now().getTime() + 10_000)
      await run(store().jobCompleteIfLeased({ ...proof(leased), now: clock.now() }))
      await failsWith(store().jobRenewIfLeased(proof(leased)), "LeaseLost")
    })

    it("acks many in request order with a result per item", async () => {
      const clock = testClock()
      const queue = unique("q")
      const workerId = unique("w")
      await run(store().jobEnqueueMany({ jobs: Array.from({ length: 4 }, () => ({ type: "t", queue })), now: clock.now() }))
      const leased = [...(await h.lease({ queues: [queue], workerId, maxJobs: 4, now: clock.now() }))].sort((a, b) => a.id - b.id)
      const [a, b, c, d] = leased as [LeasedJob, LeasedJob, LeasedJob, LeasedJob]
      const results = await run(
        store().leaseAckMany({
          workerId,
          now: clock.advance(10),
          items: [
            { jobId: c.id, leaseToken: c.lease_token, outcome: "failed", error: { message: "c-bad" }, retryInMs: 100 },
            { jobId: a.id, leaseToken: a.lease_token, outcome: "completed", result: "a" },
            { jobId: b.id, leaseToken: d.lease_token, outcome: "completed" },
            { jobId: 2 ** 31 - 13, leaseToken: a.lease_token, outcome: "completed" },
            { jobId: d.id, leaseToken: d.lease_token, outcome: "failed", error: { message: "d-dead" }, retryable: false },
            { jobId: a.id, leaseToken: a.lease_token, outcome: "completed", result: "ignored" }
          ]
        })
      )
      expect(results).toEqual([
        { job_id: c.id, ok: true },
        { job_id: a.id, ok: true },
        { job_id: b.id, ok: false, error: { code: "lease_lost", message: expect.any(String) } },
        { job_id: 2 ** 31 - 13, ok: false, error: { code: "not_found", message: expect.any(String) } },
        { job_id: d.id, ok: true },
        { job_id: a.id, ok: true }
      ])
      expect(await h.get(a.id)).toMatchObject({ status: "completed", result: "a" })
      expect(await h.get(b.id)).toMatchObject({ status: "processing", attempts: 1 })
      const retrying = await h.get(c.id)
      expect(retrying).toMatchObject({ status: "retrying", last_error: "c-bad", completed_at: null })
      expect(ms(retrying.run_at)).toBe(clock.now().getTime() + 100)
      const dead = await h.get(d.id)
      expect(dead).toMatchObject({ status: "failed", last_error: "d-dead" })
      expect(ms(dead.completed_at)).toBe(clock.now().getTime())
    })

    it("renews many in request order with a result per item", async () => {
      const clock = testClock()
      const queue = unique("q")
      const workerId = unique("w")
      await run(store().jobEnqueueMany({ jobs: [{ type: "t", queue }, { type: "t", queue }], now: clock.now() }))
      const [a, b] = [...(await h.lease({ queues: [queue], workerId, maxJobs: 2, now: clock.now() }))] as [LeasedJob, LeasedJob]
      await run(store().jobCompleteIfLeased({ ...proof(b), now: clock.now() }))
      const results = await run(
        store().leaseRenewMany({
          workerId,
          leaseSeconds: 300,
          now: clock.advance(1000),
          items: [
            { jobId: b.id, leaseToken: b.lease_token },
            { jobId: a.id, leaseToken: a.lease_token },
            { jobId: a.id, leaseToken: b.lease_token }
          ]
        })
      )
      expect(results).toEqual([
        { job_id: b.id, ok: false, error: { code: "lease_lost", message: expect.any(String) } },
        {
          job_id: a.id,
          ok: true,
          lease_expires_at: new Date(clock.now().getTime() + 300_000).toISOString(),
          renew_after: new Date(clock.now().getTime() + 150_000).toISOString()
        },
        { job_id: a.id, ok: false, error: { code: "lease_lost", message: expect.any(String) } }
      ])
      expect((await h.get(a.id)).lease_expires_at).toBe(results[1]!.lease_expires_at)
    })

    it("keeps the stack a fail or a failed ack reports in the error history, and no stack key without one", async () => {
      const clock = testClock()
      const queue = unique("q")
      await run(store().jobEnqueueMany({ jobs: [1, 2, 3].map(() => ({ type: "t", queue })), now: clock.now() }))
      const [a, b, c] = await h.lease({ queues: [queue], maxJobs: 3, now: clock.now() })
      const stack = "Error: boom\n    at handler (/srv/h.js:1:1)"
      await run(store().jobFailIfLeased({ ...proof(a!), now: clock.now(), error: { message: "boom", stack }, retryable: false }))
      await run(store().jobFailIfLeased({ ...proof(b!), now: clock.now(), error: { message: "plain" }, retryable: false }))
      await run(store().leaseAckMany({ workerId: c!.worker_id!, now: clock.now(), items: [{ jobId: c!.id, leaseToken: c!.lease_token, outcome: "failed", error: { message: "acked", stack }, retryable: false }] }))
      expect((await h.get(a!.id)).errors).toEqual([{ attempt: 1, message: "boom", at: clock.now().toISOString(), stack }])
      expect((await h.get(b!.id)).errors).toEqual([{ attempt: 1, message: "plain", at: clock.now().toISOString() }])
      expect((await h.get(c!.id)).errors).toEqual([{ attempt: 1, message: "acked", at: clock.now().toISOString(), stack }])
    })
  })
