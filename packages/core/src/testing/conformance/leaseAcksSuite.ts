import { describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import { isAckRepeat, type AckItemInput } from "../../JobStore.ts"
import { failsWith, helpers, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

const done = (job: LeasedJob, result: unknown = null): AckItemInput => ({ jobId: job.id, leaseToken: job.lease_token, outcome: "completed", result })

/** SPEC "Acks on a lease": outcomes applied before the lease, in the same transaction, with per-item results. */
export const leaseAcksSuite = (makeStore: MakeStore): void =>
  void describe("acks on a lease", () => {
    const store = useStore(makeStore)
    const h = helpers(store)
    const setup = async (n: number, maxAttempts = 3) => {
      const clock = testClock()
      const queue = unique("q")
      const workerId = unique("w")
      for (let i = 0; i < n; i++) await h.enqueue({ type: "t", queue, maxAttempts }, clock.now())
      const leased = await h.lease({ queues: [queue], workerId, maxJobs: n, leaseSeconds: 60, now: clock.advance(10) })
      expect(leased).toHaveLength(n)
      return { clock, queue, workerId, leased }
    }

    it("applies every item in request order, rejected items included, then leases", async () => {
      const { clock, queue, workerId, leased } = await setup(3)
      const [a, b, c] = leased as [LeasedJob, LeasedJob, LeasedJob]
      const fresh = await h.enqueue({ type: "t", queue }, clock.now())
      const out = await run(
        store().jobLeaseAcquireAfterAcks({
          workerId,
          queues: [queue],
          maxJobs: 5,
          leaseSeconds: 60,
          now: clock.advance(10),
          acks: [
            done(b, { n: 2 }),
            { jobId: a.id, leaseToken: a.lease_token, outcome: "failed", error: { message: "boom" }, retryInMs: 60_000 },
            { ...done(c), leaseToken: "00000000-0000-4000-8000-000000000000" },
            { ...done(c), jobId: 2 ** 31 - 7 }
          ]
        })
      )
      expect(out.acks).toEqual([
        { job_id: b.id, ok: true },
        { job_id: a.id, ok: true },
        { job_id: c.id, ok: false, error: expect.objectContaining({ code: "lease_lost" }) },
        { job_id: 2 ** 31 - 7, ok: false, error: expect.objectContaining({ code: "not_found" }) }
      ])
      expect(out.jobs.map((j) => j.id)).toEqual([fresh.id])
      expect(await h.get(b.id)).toMatchObject({ status: "completed", result: { n: 2 } })
      expect(await h.get(a.id)).toMatchObject({ status: "retrying", last_error: "boom", attempts: 1 })
      expect(await h.get(c.id)).toMatchObject({ status: "processing", worker_id: workerId })
    })

    it("leases, in the usual order, a job that one of its own acks freed", async () => {
      const { clock, queue, workerId, leased } = await setup(1)
      const job = leased[0]!
      const out = await run(
        store().jobLeaseAcquireAfterAcks({
          workerId,
          queues: [queue],
          maxJobs: 1,
          leaseSeconds: 60,
          now: clock.advance(10),
          acks: [{ jobId: job.id, leaseToken: job.lease_token, outcome: "failed", error: { message: "again" }, retryInMs: 0 }]
        })
      )
      expect(out.acks).toEqual([{ job_id: job.id, ok: true }])
      expect(out.jobs.map((j) => [j.id, j.attempts])).toEqual([[job.id, 2]])
      expect(out.jobs[0]!.lease_token).not.toBe(job.lease_token)
    })

    it("answers a repeated completion ok, marked as a repeat, and counts no transition twice", async () => {
      const { clock, queue, workerId, leased } = await setup(1)
      const job = leased[0]!
      const lease = { workerId, queues: [queue], maxJobs: 1, leaseSeconds: 60 }
      const first = await run(store().jobLeaseAcquireAfterAcks({ ...lease, now: clock.advance(10), acks: [done(job, 1)] }))
      expect(first.acks).toEqual([{ job_id: job.id, ok: true }])
      expect(isAckRepeat(first.acks[0]!)).toBe(false)
      const again = await run(store().jobLeaseAcquireAfterAcks({ ...lease, now: clock.advance(10), acks: [done(job, 2)] }))
      expect(again.acks).toEqual([{ job_id: job.id, ok: true }])
      expect(isAckRepeat(again.acks[0]!)).toBe(true)
      expect(await h.get(job.id)).toMatchObject({ status: "completed", result: 1 })
    })

    it("applies nothing when the lease itself is invalid", async () => {
      const { clock, queue, workerId, leased } = await setup(1)
      const job = leased[0]!
      const lease = { workerId, queues: [queue], maxJobs: 1, now: clock.advance(10), acks: [done(job)] }
      await failsWith(store().jobLeaseAcquireAfterAcks({ ...lease, leaseSeconds: 0 }), "Validation")
      await failsWith(store().jobLeaseAcquireAfterAcks({ ...lease, leaseSeconds: 60, requestedBatchSize: 2_000_000 }), "Validation")
      expect(await h.get(job.id)).toMatchObject({ status: "processing", worker_id: workerId })
    })

    it("answers the acks and no job when nothing is leasable", async () => {
      const { clock, queue, workerId, leased } = await setup(2)
      const out = await run(
        store().jobLeaseAcquireAfterAcks({ workerId, queues: [queue], maxJobs: 4, leaseSeconds: 60, now: clock.advance(10), acks: leased.map((j) => done(j)) })
      )
      expect(out).toEqual({ acks: leased.map((j) => ({ job_id: j.id, ok: true })), jobs: [] })
      for (const j of leased) expect((await h.get(j.id)).status).toBe("completed")
    })
  })
