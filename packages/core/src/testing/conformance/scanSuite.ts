import { describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import type { NewScan } from "../../JobStore.ts"
import { failsWith, helpers, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

const range = (job: LeasedJob) => {
  const p = job.payload as { start: number; end: number }
  return [p.start, p.end]
}
const proof = (job: LeasedJob) => ({ id: job.id, workerId: job.worker_id!, leaseToken: job.lease_token })

/** Scans: creation, carving batches at lease time, pause, progress and done. */
export const scanSuite = (makeStore: MakeStore): void =>
  void describe("scans", () => {
    const store = useStore(makeStore)
    const h = helpers(store)
    const create = (scan: Partial<NewScan> & { readonly queue: string }) =>
      run(store().scanCreate({ scan: { name: unique("s"), type: "scan-t", start: 0, end: 100, ...scan }, now: testClock().now() }))

    it("creates a scan with defaults and reads it back; a duplicate name is Conflict, an unknown one NotFound", async () => {
      const queue = unique("q")
      const name = unique("s")
      const scan = await create({ name, queue, start: 5, end: 5005 })
      expect(scan).toEqual({
        name,
        queue,
        type: "scan-t",
        start: 5,
        end: 5005,
        cursor: 5,
        default_batch_size: 1000,
        max_batch_size: 1_000_000,
        paused: false,
        batches: { pending: 0, processing: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 },
        completed_units: 0,
        failed_units: 0,
        total_units: 5000,
        progress: 0,
        done: false
      })
      expect(await run(store().scanGet({ name }))).toEqual(scan)
      expect((await run(store().scanList())).find((s) => s.name === name)).toEqual(scan)
      await failsWith(store().scanCreate({ scan: { name, type: "other", start: 0, end: 1, queue } }), "Conflict")
      await failsWith(store().scanGet({ name: unique("s") }), "NotFound")
      await failsWith(store().scanSetPaused({ name: unique("s"), paused: true }), "NotFound")
      expect((await create({ queue, maxBatchSize: 50 })).default_batch_size).toBe(50)
    })

    it("refuses inconsistent scans with Validation", async () => {
      const queue = unique("q")
      const base = { type: "scan-t", queue, start: 0, end: 10 }
      const bad: ReadonlyArray<Partial<NewScan>> = [
        { start: 10, end: 10 },
        { start: 20, end: 10 },
        { start: -1 },
        { end: 2 ** 53 + 2 },
        { defaultBatchSize: 11, maxBatchSize: 10 },
        { defaultBatchSize: 0 },
        { payload: { start: 1 } },
        { payload: { end: 1 } }
      ]
      for (const fields of bad) {
        const name = unique("s")
        await failsWith(store().scanCreate({ scan: { ...base, name, ...fields } }), "Validation")
        await failsWith(store().scanGet({ name }), "NotFound")
      }
      const edge = await create({ queue, start: 0, end: 2 ** 53 })
      expect(edge.total_units).toBe(2 ** 53)
    })

    it("carves contiguous batches sized min(requested or default, max, remainder) and leases them", async () => {
      const clock = testClock()
      const queue = unique("q")
      const scan = await create({ queue, start: 0, end: 100, defaultBatchSize: 10, maxBatchSize: 30, payload: { bucket: "b1" }, maxAttempts: 4 })
      const [first] = await h.lease({ queues: [queue], workerId: "w-scan", leaseSeconds: 60, now: clock.now() })
      expect(first).toMatchObject({
        queue,
        type: "scan-t",
        scan: scan.name,
        status: "processing",
        attempts: 1,
        max_attempts: 4,
        worker_id: "w-scan",
        payload: { bucket: "b1", start: 0, end: 10 }
      })
      const three = await h.lease({ queues: [queue], maxJobs: 3, requestedBatchSize: 25, now: clock.now() })
      const rest = await h.lease({ queues: [queue], maxJobs: 5, now: clock.now() })
      const ranges = [first!, ...three, ...rest].map(range).sort((a, b) => a[0]! - b[0]!)
      expect(ranges).toEqual([[0, 10], [10, 35], [35, 60], [60, 85], [85, 95], [95, 100]])
      expect(await h.lease({ queues: [queue], maxJobs: 5, now: clock.now() })).toEqual([])
      expect(await run(store().scanGet({ name: scan.name }))).toMatchObject({
        cursor: 100,
        batches: { processing: 6 },
        done: false,
        progress: 0
      })
    })

    it("leases ready jobs first and carves only for the shortfall, only for allowed types", async () => {
      const clock = testClock()
      const queue = unique("q")
      const scan = await create({ queue, defaultBatchSize: 7 })
      const plain = await h.enqueue({ type: "plain", queue }, clock.now())
      expect(await h.lease({ queues: [queue], types: ["other"], maxJobs: 3, now: clock.now() })).toEqual([])
      expect((await run(store().scanGet({ name: scan.name }))).cursor).toBe(0)
      const leased = await h.lease({ queues: [queue], maxJobs: 3, now: clock.now() })
      expect(leased.map((j) => j.id)).toContain(plain.id)
      expect(leased.filter((j) => j.scan === scan.name).map(range)).toEqual([[0, 7], [7, 14]])
    })

    it("rejects a requested batch size above the scan's max before leasing anything", async () => {
      const clock = testClock()
      const queue = unique("q")
      const scan = await create({ queue, maxBatchSize: 20 })
      const plain = await h.enqueue({ type: "plain", queue }, clock.now())
      const err = await failsWith(
        store().jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 2, leaseSeconds: 30, requestedBatchSize: 21, now: clock.now() }),
        "Validation"
      )
      expect(err.message).toMatch(/batch/i)
      expect((await h.get(plain.id)).status).toBe("pending")
      expect((await run(store().scanGet({ name: scan.name }))).cursor).toBe(0)
      const ok = await h.lease({ queues: [queue], maxJobs: 2, requestedBatchSize: 20, now: clock.now() })
      expect(ok.filter((j) => j.scan === scan.name).map(range)).toEqual([[0, 20]])
    })

    it("pause stops carving only; carved batches stay leasable; resume carries on", async () => {
      const clock = testClock()
      const queue = unique("q")
      const scan = await create({ queue, defaultBatchSize: 10 })
      const [batch] = await h.lease({ queues: [queue], leaseSeconds: 10, now: clock.now() })
      expect((await run(store().scanSetPaused({ name: scan.name, paused: true }))).paused).toBe(true)
      expect(await h.lease({ queues: [queue], maxJobs: 3, now: clock.now() })).toEqual([])
      await run(store().jobReleaseIfLeased({ ...proof(batch!), now: clock.now() }))
      const again = await h.lease({ queues: [queue], maxJobs: 3, leaseSeconds: 10, now: clock.now() })
      expect(again.map((j) => j.id)).toEqual([batch!.id])
      expect(await h.lease({ queues: [queue], maxJobs: 3, now: clock.advance(11_000) })).toMatchObject([{ id: batch!.id, attempts: 2 }])
      expect((await run(store().scanGet({ name: scan.name }))).cursor).toBe(10)
      expect((await run(store().scanSetPaused({ name: scan.name, paused: false }))).paused).toBe(false)
      expect((await h.lease({ queues: [queue], now: clock.now() })).map(range)).toEqual([[10, 20]])
    })

    it("reports batches by status, completed and failed units, progress and done", async () => {
      const clock = testClock()
      const queue = unique("q")
      const scan = await create({ queue, start: 1000, end: 1100, defaultBatchSize: 40 })
      const batches = [...(await h.lease({ queues: [queue], maxJobs: 10, now: clock.now() }))].sort((a, b) => range(a)[0]! - range(b)[0]!)
      expect(batches.map(range)).toEqual([[1000, 1040], [1040, 1080], [1080, 1100]])
      const [a, b, c] = batches as [LeasedJob, LeasedJob, LeasedJob]
      await run(store().jobCompleteIfLeased({ ...proof(a), now: clock.now() }))
      await run(store().jobFailIfLeased({ ...proof(c), error: { message: "x" }, retryable: false, now: clock.now() }))
      const mid = await run(store().scanGet({ name: scan.name }))
      expect(mid).toMatchObject({
        cursor: 1100,
        batches: { pending: 0, processing: 1, retrying: 0, completed: 1, failed: 1, cancelled: 0 },
        completed_units: 40,
        failed_units: 20,
        total_units: 100,
        progress: 0.4,
        done: false
      })
      await run(store().jobFailIfLeased({ ...proof(b), error: { message: "y" }, retryInMs: 0, now: clock.now() }))
      expect(await run(store().scanGet({ name: scan.name }))).toMatchObject({ batches: { retrying: 1 }, done: false })
      const retried = await h.leaseOne({ queues: [queue], now: clock.now() })
      expect(retried.id).toBe(b.id)
      await run(store().jobCompleteIfLeased({ ...proof(retried), now: clock.now() }))
      expect(await run(store().scanGet({ name: scan.name }))).toMatchObject({
        batches: { completed: 2, failed: 1, processing: 0 },
        completed_units: 80,
        progress: 0.8,
        done: true
      })
    })

    it("carves from several scans on the queue until max_jobs is filled, each contiguous from its start", async () => {
      const clock = testClock()
      const queue = unique("q")
      const s1 = await create({ queue, start: 0, end: 15, defaultBatchSize: 10 })
      const s2 = await create({ queue, start: 0, end: 1000, defaultBatchSize: 10 })
      const leased = [...(await h.lease({ queues: [queue], maxJobs: 4, now: clock.now() }))]
      leased.push(...(await h.lease({ queues: [queue], maxJobs: 4, now: clock.now() })))
      expect(leased).toHaveLength(8)
      const of = (name: string) => leased.filter((j) => j.scan === name).map(range).sort((x, y) => x[0]! - y[0]!)
      expect(of(s1.name)).toEqual([[0, 10], [10, 15]])
      expect(of(s2.name)).toEqual(Array.from({ length: 6 }, (_, i) => [i * 10, i * 10 + 10]))
      expect((await run(store().scanGet({ name: s1.name }))).cursor).toBe(15)
      expect((await run(store().scanGet({ name: s2.name }))).cursor).toBe(60)
    })
  })
