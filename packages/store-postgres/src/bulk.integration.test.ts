import { Effect, Result } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { BULK_CHUNK } from "./queries/bulk.ts"
import { insertJobs, openClients, setupStore, type Clients, type TestStore } from "./testing/index.ts"

const CLIENTS = 6
const ROUNDS = 8
const JOBS = 600

let t: TestStore
let clients: Clients
beforeAll(async () => {
  t = await setupStore({ max: 4 })
  clients = await openClients(t.url, CLIENTS)
})
afterAll(async () => {
  await clients?.close()
  await t?.close()
})

const statusCounts = async (queue: string) =>
  Object.fromEntries(
    (await t.sql<{ status: string; n: number }[]>`select status::text, count(*)::int as n from jobs where queue = ${queue} group by status`).map((r) => [r.status, r.n])
  )

describe("bulk by filter on PostgreSQL", () => {
  it("crosses chunk boundaries: every matching job changes once, others stay", async () => {
    const n = 2 * BULK_CHUNK + 345
    await insertJobs(t.sql, n, { queue: "big" })
    await insertJobs(t.sql, 50, { queue: "other" })
    expect(await Effect.runPromise(t.store.jobCancelMatching({ filter: { queue: "big" }, dryRun: true }))).toBe(n)
    expect(await Effect.runPromise(t.store.jobCancelMatching({ filter: { queue: "big" } }))).toBe(n)
    expect(await statusCounts("big")).toEqual({ cancelled: n })
    expect(await statusCounts("other")).toEqual({ pending: 50 })
    expect(await Effect.runPromise(t.store.jobRetryMatching({ filter: { queue: "big", status: "cancelled" } }))).toBe(n)
    const [row] = await t.sql<{ n: number; attempts: number }[]>`
      select count(*)::int as n, max(attempts)::int as attempts from jobs where queue = 'big' and status = 'pending' and completed_at is null`
    expect(row).toEqual({ n, attempts: 0 })
  })
})

describe("bulk operations racing real concurrent clients", () => {
  it(`a cancel by filter racing ${CLIENTS - 1} leasing workers: every job ends completed xor cancelled, the count is exact`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const queue = `race-${round}`
      await insertJobs(t.sql, JOBS, { queue })
      let completed = 0
      let lost = 0
      let cancelling = true
      const worker = async (c: number) => {
        while (cancelling) {
          const jobs = await Effect.runPromise(clients.stores[c]!.jobLeaseAcquire({ workerId: `w${c}`, queues: [queue], maxJobs: 7, leaseSeconds: 600 }))
          if (jobs.length === 0) return
          for (const job of jobs) {
            const r = await Effect.runPromise(Effect.result(clients.stores[c]!.jobCompleteIfLeased({ id: job.id, workerId: `w${c}`, leaseToken: job.lease_token })))
            if (Result.isSuccess(r)) completed++
            else lost++
          }
        }
      }
      const workers = Array.from({ length: CLIENTS - 1 }, (_, c) => worker(c + 1))
      const count = await Effect.runPromise(clients.stores[0]!.jobCancelMatching({ filter: { queue } }))
      cancelling = false
      await Promise.all(workers)
      const counts = await statusCounts(queue)
      expect(counts.cancelled ?? 0).toBe(count)
      expect((counts.completed ?? 0) + (counts.cancelled ?? 0)).toBe(JOBS)
      expect(counts.completed ?? 0).toBe(completed)
      expect(lost).toBeLessThanOrEqual(count)
    }
  })

  it(`${CLIENTS} clients retrying the same ids at once: each id is retried by exactly one of them`, async () => {
    for (let round = 0; round < ROUNDS; round++) {
      const queue = `retry-${round}`
      const ids = await insertJobs(t.sql, JOBS, { queue })
      await t.sql`update jobs set status = 'failed', completed_at = now() where queue = ${queue}`
      const answers = await Promise.all(clients.stores.map((s, c) => Effect.runPromise(s.jobRetryMany({ ids: c % 2 ? ids : [...ids].reverse() }))))
      for (const id of ids) {
        const oks = answers.filter((results) => results.find((r) => r.job_id === id)!.ok)
        expect(oks).toHaveLength(1)
      }
      for (const results of answers)
        for (const r of results) if (!r.ok) expect(r.error?.code).toBe("invalid_transition")
      expect(await statusCounts(queue)).toEqual({ pending: JOBS })
    }
  })
})
