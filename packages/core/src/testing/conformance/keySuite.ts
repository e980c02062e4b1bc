import { describe, expect, it } from "vitest"
import { helpers, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

/** Per-key concurrency with the SPEC's default key_concurrency of 1 (no queue settings needed). */
export const keySuite = (makeStore: MakeStore): void =>
  void describe("concurrency_key (default key_concurrency 1)", () => {
    const store = useStore(makeStore)
    const h = helpers(store)
    const ids = (jobs: ReadonlyArray<{ readonly id: number }>) => jobs.map((j) => j.id)

    it("keeps the key on reads and leases; one live lease per key; keyless jobs unlimited; a held job is skipped, then leased in order", async () => {
      const clock = testClock()
      const queue = unique("key")
      const a1 = await h.enqueue({ type: "t", queue, concurrencyKey: "a" }, clock.now())
      const a2 = await h.enqueue({ type: "t", queue, concurrencyKey: "a", priority: 1 }, clock.now())
      const free1 = await h.enqueue({ type: "t", queue }, clock.now())
      const b1 = await h.enqueue({ type: "t", queue, concurrencyKey: "b" }, clock.now())
      const free2 = await h.enqueue({ type: "t", queue }, clock.now())
      expect((await h.get(a1.id)).concurrency_key).toBe("a")
      expect((await h.get(free1.id)).concurrency_key).toBeNull()
      const first = await h.lease({ queues: [queue], maxJobs: 10, now: clock.advance(1) })
      expect(ids(first)).toEqual([a2.id, free1.id, b1.id, free2.id])
      expect(first.map((j) => j.concurrency_key)).toEqual(["a", null, "b", null])
      expect(await h.lease({ queues: [queue], maxJobs: 10, now: clock.advance(1) })).toEqual([])
      const a2Lease = first[0]!
      await run(store().jobCompleteIfLeased({ id: a2.id, workerId: "w-conformance", leaseToken: a2Lease.lease_token, now: clock.advance(1) }))
      expect(ids(await h.lease({ queues: [queue], maxJobs: 10, now: clock.advance(1) }))).toEqual([a1.id])
    })

    it("room frees by a fail, a release and an expiry; keys are per queue", async () => {
      const clock = testClock()
      const queue = unique("key")
      const other = unique("key")
      const [k1, k2, k3] = [
        await h.enqueue({ type: "t", queue, concurrencyKey: "k" }, clock.now()),
        await h.enqueue({ type: "t", queue, concurrencyKey: "k" }, clock.now()),
        await h.enqueue({ type: "t", queue, concurrencyKey: "k" }, clock.now())
      ]
      const elsewhere = await h.enqueue({ type: "t", queue: other, concurrencyKey: "k" }, clock.now())
      const one = await h.lease({ queues: [queue, other], maxJobs: 10, now: clock.advance(1) })
      expect(ids(one).sort((x, y) => x - y)).toEqual([k1!.id, elsewhere.id])
      const held = one.find((j) => j.id === k1!.id)!
      await run(store().jobFailIfLeased({ id: k1!.id, workerId: "w-conformance", leaseToken: held.lease_token, error: { message: "x" }, retryInMs: 60_000, now: clock.advance(1) }))
      const two = await h.leaseOne({ queues: [queue], maxJobs: 10, now: clock.advance(1) })
      expect(two.id).toBe(k2!.id)
      await run(store().jobReleaseIfLeased({ id: k2!.id, workerId: "w-conformance", leaseToken: two.lease_token, now: clock.advance(1) }))
      const again = await h.leaseOne({ queues: [queue], maxJobs: 10, leaseSeconds: 5, now: clock.advance(1) })
      expect(again.id).toBe(k2!.id)
      expect(await h.lease({ queues: [queue], maxJobs: 10, now: clock.advance(4_000) })).toEqual([])
      // k2's lease expired: not live; k2 itself is leasable again and comes before k3 in lease order.
      expect(ids(await h.lease({ queues: [queue], maxJobs: 10, now: clock.advance(2_000) }))).toEqual([k2!.id])
      expect(k3).toBeDefined()
    })

    it("acks on a lease call make room for the same call", async () => {
      const clock = testClock()
      const queue = unique("key")
      const x1 = await h.enqueue({ type: "t", queue, concurrencyKey: "x" }, clock.now())
      const x2 = await h.enqueue({ type: "t", queue, concurrencyKey: "x" }, clock.now())
      const held = await h.leaseOne({ queues: [queue], maxJobs: 10, now: clock.advance(1) })
      expect(held.id).toBe(x1.id)
      const out = await run(
        store().jobLeaseAcquireAfterAcks({
          workerId: "w-conformance", queues: [queue], maxJobs: 10, leaseSeconds: 30, now: clock.advance(1),
          acks: [{ jobId: x1.id, leaseToken: held.lease_token, outcome: "completed" }]
        })
      )
      expect(out.acks).toEqual([{ job_id: x1.id, ok: true }])
      expect(ids(out.jobs)).toEqual([x2.id])
    })
  })
