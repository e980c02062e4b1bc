import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { openClients, setupStore, type Clients, type TestStore } from "./testing/index.ts"

const CLIENTS = 16
const END = 1_000_000
const ROUNDS = 5
const SIZES = [1, 3, 10, 100, 997, 2_000, 4_000, 10_000, 60_000]

let t: TestStore
let clients: Clients
beforeAll(async () => {
  t = await setupStore()
  clients = await openClients(t.url, CLIENTS)
})
afterAll(async () => {
  await clients?.close()
  await t?.close()
})

/** A small seeded generator so a failing round can be replayed. */
const rng = (seed: number) => () => {
  seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648
  return seed / 2_147_483_648
}

describe("16 concurrent connections carving a scan of [0, 1,000,000)", () => {
  it("carves contiguous, disjoint ranges covering the scan exactly", async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const queue = `carve-${round}`
      const name = `scan-${round}`
      await Effect.runPromise(
        t.store.scanCreate({ scan: { name, type: "chunk", queue, start: 0, end: END, maxBatchSize: 60_000, payload: { round } } })
      )
      const batches: Array<{ start: number; end: number; asked: number; id: number }> = []
      const worker = async (c: number) => {
        const random = rng(round * 100 + c + 1)
        for (let call = 0; call < END; call++) {
          const asked = SIZES[Math.floor(random() * SIZES.length)] as number
          const jobs = await Effect.runPromise(
            clients.stores[c]!.jobLeaseAcquire({
              workerId: `w${c}`,
              queues: [queue],
              maxJobs: 1 + Math.floor(random() * 4),
              leaseSeconds: 600,
              requestedBatchSize: asked
            })
          )
          if (jobs.length === 0) return
          for (const job of jobs) {
            const p = job.payload as { start: number; end: number; round: number }
            expect(job.scan).toBe(name)
            expect(p.round).toBe(round)
            batches.push({ start: p.start, end: p.end, asked, id: job.id })
          }
        }
      }
      await Promise.all(Array.from({ length: CLIENTS }, (_, c) => worker(c)))
      batches.sort((a, b) => a.start - b.start)
      expect(batches.length).toBeGreaterThan(CLIENTS)
      expect(batches[0]?.start).toBe(0)
      for (let i = 1; i < batches.length; i++) expect(batches[i]!.start).toBe(batches[i - 1]!.end)
      expect(batches[batches.length - 1]?.end).toBe(END)
      for (const b of batches) {
        expect(b.end - b.start).toBeGreaterThan(0)
        expect(b.end - b.start === b.asked || b.end === END).toBe(true)
      }
      expect(new Set(batches.map((b) => b.id)).size).toBe(batches.length)
      const scan = await Effect.runPromise(t.store.scanGet({ name }))
      expect(scan).toMatchObject({ cursor: END, total_units: END, done: false })
      expect(scan.batches.processing).toBe(batches.length)
    }
  })
})
