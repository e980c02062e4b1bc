import { describe, expect, it } from "vitest"
import type { JobStatus } from "@leasehold/contracts"
import { nextJobState } from "../../JobMachine.ts"
import { jobIn } from "./adminSuite.ts"
import { failsWith, helpers, ms, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

/** Creation order for jobs sharing a queue: a pending job is made last, so no later setup lease takes it. */
const IN_ORDER: ReadonlyArray<JobStatus> = ["processing", "retrying", "completed", "failed", "cancelled", "pending"]

const legal = (status: JobStatus, event: "CANCEL" | "RETRY") => nextJobState(status, { attempts: 1, maxAttempts: 3 }, { type: event }) !== null

/** Bulk retry and cancel by ids and by filter (SPEC: Bulk operations); the lifecycle machine is the oracle. */
export const bulkSuite = (makeStore: MakeStore): void =>
  void describe("bulk operations", () => {
    const store = useStore(makeStore)
    const h = helpers(store)

    /** One job per status in one queue and one type; answers them by status. */
    const oneOfEach = async (clock = testClock()) => {
      const where = { queue: unique("q"), type: unique("t") }
      const jobs = new Map<JobStatus, number>()
      for (const status of IN_ORDER) jobs.set(status, (await jobIn(store(), status, clock, where)).job.id)
      return { ...where, clock, jobs }
    }

    it.each(["RETRY", "CANCEL"] as const)("%s by ids: one result per id in request order; illegal, missing and repeated ids", async (event) => {
      const { clock, jobs } = await oneOfEach()
      const missing = 2 ** 31 - 5
      const ids = [...jobs.values(), missing, jobs.get("failed")!]
      const at = clock.advance(10)
      const results = await run(event === "RETRY" ? store().jobRetryMany({ ids, now: at }) : store().jobCancelMany({ ids, now: at }))
      expect(results.map((r) => r.job_id)).toEqual(ids)
      for (const [status, id] of jobs) {
        const r = results.find((x) => x.job_id === id)!
        const job = await h.get(id)
        if (legal(status, event)) {
          expect(r).toEqual({ job_id: id, ok: true })
          expect(job.status).toBe(event === "RETRY" ? "pending" : "cancelled")
          expect(ms(job.updated_at)).toBe(at.getTime())
          if (event === "RETRY") expect(job).toMatchObject({ attempts: 0, run_at: at.toISOString() })
        } else {
          expect(r).toMatchObject({ job_id: id, ok: false, error: { code: "invalid_transition" } })
          expect(r.error!.message).toContain(status)
          expect(job.status).toBe(status)
        }
      }
      expect(results[ids.length - 2]).toMatchObject({ job_id: missing, ok: false, error: { code: "not_found" } })
      expect(results[ids.length - 1]).toEqual(results.find((x) => x.job_id === jobs.get("failed")))
    })

    it("a bulk cancel takes a live lease away: its holder's complete is LeaseLost", async () => {
      const clock = testClock()
      const { job, lease } = await jobIn(store(), "processing", clock)
      expect(await run(store().jobCancelMany({ ids: [job.id], now: clock.advance(5) }))).toEqual([{ job_id: job.id, ok: true }])
      expect(await h.get(job.id)).toMatchObject({ status: "cancelled", worker_id: null, lease_expires_at: null })
      await failsWith(store().jobCompleteIfLeased({ id: job.id, workerId: lease!.worker_id!, leaseToken: lease!.lease_token }), "LeaseLost")
    })

    it("retried jobs are leasable at once, from attempt 1", async () => {
      const { queue, clock, jobs } = await oneOfEach()
      await run(store().jobRetryMatching({ filter: { queue, status: "failed" }, now: clock.advance(1) }))
      expect(await h.leaseOne({ queues: [queue], now: clock.now() })).toMatchObject({ id: jobs.get("pending"), attempts: 1 })
      expect(await h.leaseOne({ queues: [queue], now: clock.now() })).toMatchObject({ id: jobs.get("failed"), attempts: 1 })
    })

    it.each(["RETRY", "CANCEL"] as const)("%s by filter changes exactly the matching jobs the lifecycle allows; dry run counts the same and changes nothing", async (event) => {
      const a = await oneOfEach()
      const b = await oneOfEach(a.clock)
      const apply = (filter: { queue?: string; status?: JobStatus; type?: string }, dryRun?: boolean) =>
        run(
          event === "RETRY"
            ? store().jobRetryMatching({ filter, dryRun, now: a.clock.advance(1) })
            : store().jobCancelMatching({ filter, dryRun, now: a.clock.advance(1) })
        )
      const expected = IN_ORDER.filter((s) => legal(s, event)).length
      expect(await apply({ queue: a.queue }, true)).toBe(expected)
      expect(await apply({ type: a.type }, true)).toBe(expected)
      for (const [status, id] of a.jobs) expect((await h.get(id)).status).toBe(status)
      expect(await apply({ queue: a.queue, status: "completed" })).toBe(0)
      expect(await apply({ queue: a.queue, type: b.type })).toBe(0)
      expect(await apply({ type: a.type, status: "retrying" })).toBe(1)
      expect(await apply({ queue: a.queue })).toBe(expected - 1)
      for (const [status, id] of a.jobs) {
        const target = event === "RETRY" ? "pending" : "cancelled"
        expect((await h.get(id)).status).toBe(legal(status, event) ? target : status)
      }
      for (const [status, id] of b.jobs) expect((await h.get(id)).status).toBe(status)
      expect(await apply({ queue: a.queue }, true)).toBe(0)
    })
  })
