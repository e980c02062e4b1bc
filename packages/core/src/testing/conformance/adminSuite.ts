import { describe, expect, it } from "vitest"
import type { JobStatus, LeasedJob } from "@leasehold/contracts"
import type { JobStoreShape } from "../../JobStore.ts"
import { FAR_FUTURE, failsWith, helpers, ms, run, testClock, unique, useStore, type MakeStore, type TestClock } from "./support.ts"

const proof = (job: LeasedJob) => ({ id: job.id, workerId: job.worker_id!, leaseToken: job.lease_token })

/** Puts a fresh job into `status` through legal operations; answers it and its last lease. */
export const jobIn = async (store: JobStoreShape, status: JobStatus, clock: TestClock, where: { queue?: string; type?: string } = {}) => {
  const h = helpers(() => store)
  const queue = where.queue ?? unique("q")
  const job = await h.enqueue({ type: where.type ?? "t", queue }, clock.now())
  if (status === "pending") return { job, lease: undefined }
  const lease = await h.leaseOne({ queues: [queue], now: clock.now() })
  const p = { ...proof(lease), now: clock.now() }
  if (status === "completed") await run(store.jobCompleteIfLeased(p))
  if (status === "retrying") await run(store.jobFailIfLeased({ ...p, error: { message: "e" }, retryInMs: 60_000 }))
  if (status === "failed") await run(store.jobFailIfLeased({ ...p, error: { message: "e" }, retryable: false }))
  if (status === "cancelled") await run(store.jobCancel({ id: job.id, now: clock.now() }))
  expect((await h.get(job.id)).status).toBe(status)
  return { job, lease }
}

/** Every status a job reaches through the operations of the port. */
export const STATUSES: ReadonlyArray<JobStatus> = ["pending", "processing", "retrying", "completed", "failed", "cancelled"]

/** Operator actions: cancel, admin retry, and the sweeper's rescue of expired leases. */
export const adminSuite = (makeStore: MakeStore): void =>
  void describe("admin and sweeper", () => {
    const store = useStore(makeStore)
    const h = helpers(store)

    it.each(STATUSES)("cancel from %s follows the lifecycle", async (status) => {
      const clock = testClock()
      const { job, lease } = await jobIn(store(), status, clock)
      const legal = status === "pending" || status === "retrying" || status === "processing"
      if (!legal) {
        await failsWith(store().jobCancel({ id: job.id, now: clock.advance(10) }), "InvalidTransition")
        expect((await h.get(job.id)).status).toBe(status)
        return
      }
      const cancelled = await run(store().jobCancel({ id: job.id, now: clock.advance(10) }))
      expect(cancelled).toMatchObject({ id: job.id, status: "cancelled", worker_id: null, lease_expires_at: null })
      expect(ms(cancelled.updated_at)).toBe(clock.now().getTime())
      // completed_at is when the job finished, whatever the terminal status (the pruner's clock).
      expect(ms(cancelled.completed_at)).toBe(clock.now().getTime())
      expect(await h.lease({ queues: [job.queue], now: clock.advance(3_600_000) })).toEqual([])
      if (lease !== undefined) {
        await failsWith(store().jobCompleteIfLeased(proof(lease)), "LeaseLost")
        await failsWith(store().jobRenewIfLeased(proof(lease)), "LeaseLost")
      }
    })

    it.each(STATUSES)("admin retry from %s follows the lifecycle", async (status) => {
      const clock = testClock()
      const { job } = await jobIn(store(), status, clock)
      const legal = status === "failed" || status === "cancelled" || status === "retrying"
      if (!legal) {
        await failsWith(store().jobRetry({ id: job.id, now: clock.advance(10) }), "InvalidTransition")
        expect((await h.get(job.id)).status).toBe(status)
        return
      }
      const retried = await run(store().jobRetry({ id: job.id, now: clock.advance(10) }))
      expect(retried).toMatchObject({ id: job.id, status: "pending", attempts: 0, worker_id: null, completed_at: null })
      expect(ms(retried.run_at)).toBe(clock.now().getTime())
      const again = await h.leaseOne({ queues: [job.queue], now: clock.now() })
      expect(again).toMatchObject({ id: job.id, attempts: 1 })
    })

    it("cancel and retry of an unknown id are NotFound", async () => {
      await failsWith(store().jobCancel({ id: 2 ** 31 - 17 }), "NotFound")
      await failsWith(store().jobRetry({ id: 2 ** 31 - 17 }), "NotFound")
    })

    it("rescues expired leases: retrying due at once with attempts left, failed without; 'lease expired' recorded", async () => {
      const clock = testClock()
      const queue = unique("q")
      await run(store().jobRescueExpired({ now: FAR_FUTURE }))
      const spare = await h.enqueue({ type: "t", queue, maxAttempts: 2, priority: 3 }, clock.now())
      const last = await h.enqueue({ type: "t", queue, maxAttempts: 1, priority: 2 }, clock.now())
      const live = await h.enqueue({ type: "t", queue, maxAttempts: 1, priority: 1 }, clock.now())
      const l1 = await h.leaseOne({ queues: [queue], leaseSeconds: 10, now: clock.now() })
      const l2 = await h.leaseOne({ queues: [queue], leaseSeconds: 10, now: clock.now() })
      await h.leaseOne({ queues: [queue], leaseSeconds: 100, now: clock.now() })
      expect([l1.id, l2.id]).toEqual([spare.id, last.id])
      expect(await run(store().jobRescueExpired({ now: clock.at(10_000) }))).toEqual({ retried: 0, failed: 0 })
      const at = clock.advance(10_001)
      expect(await run(store().jobRescueExpired({ now: at }))).toEqual({ retried: 1, failed: 1 })
      const retrying = await h.get(spare.id)
      expect(retrying).toMatchObject({ status: "retrying", attempts: 1, worker_id: null, last_error: "lease expired" })
      expect(retrying.errors).toEqual([{ attempt: 1, message: "lease expired", at: at.toISOString() }])
      expect(ms(retrying.run_at)).toBe(at.getTime())
      const failed = await h.get(last.id)
      expect(failed).toMatchObject({ status: "failed", attempts: 1, last_error: "lease expired" })
      expect(failed.errors).toEqual([{ attempt: 1, message: "lease expired", at: at.toISOString() }])
      expect((await h.get(live.id)).status).toBe("processing")
      await failsWith(store().jobCompleteIfLeased(proof(l1)), "LeaseLost")
      await failsWith(store().jobFailIfLeased({ ...proof(l2), error: { message: "late" } }), "LeaseLost")
      const again = await h.leaseOne({ queues: [queue], now: at })
      expect(again).toMatchObject({ id: spare.id, attempts: 2 })
      expect(await run(store().jobRescueExpired({ now: at }))).toEqual({ retried: 0, failed: 0 })
    })

    it("rescues at most `limit` leases per call", async () => {
      const clock = testClock()
      const queue = unique("q")
      await run(store().jobRescueExpired({ now: FAR_FUTURE }))
      await run(store().jobEnqueueMany({ jobs: Array.from({ length: 3 }, () => ({ type: "t", queue })), now: clock.now() }))
      await h.lease({ queues: [queue], maxJobs: 3, leaseSeconds: 1, now: clock.now() })
      expect(await run(store().jobRescueExpired({ limit: 2, now: clock.advance(5000) }))).toEqual({ retried: 2, failed: 0 })
      expect(await run(store().jobRescueExpired({ limit: 2, now: clock.now() }))).toEqual({ retried: 1, failed: 0 })
    })
  })
