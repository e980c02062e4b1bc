import type { LeasedJob } from "@leasehold/contracts"
import type { MasterClientShape } from "@leasehold/core"
import { WorkerPool } from "@leasehold/core"
import { Effect } from "effect"

/**
 * `pnpm bench:pool` (apps/worker): the pool's own CPU per job, without HTTP, a master or a database.
 * An instant in-process client answers every lease at once (one setImmediate per call) and every ack
 * as ok; prints CPU µs per no-op job. Noise from a busy machine hits CPU time less than wall time;
 * compare two checkouts back to back. Env: POOL_N (100,000), POOL_C (64), POOL_PREFETCH (auto, 0 or N),
 * POOL_RTT_MS (0: answers on the next setImmediate).
 */
const N = Number(process.env.POOL_N ?? 100_000)
const C = Number(process.env.POOL_C ?? 64)
const PREFETCH = process.env.POOL_PREFETCH === undefined || process.env.POOL_PREFETCH === "auto" ? "auto" : Number(process.env.POOL_PREFETCH)
// POOL_RTT_MS: a lease round trip for the pool to measure (prefetch auto buffers only when jobs are shorter).
const RTT_MS = Number(process.env.POOL_RTT_MS ?? 0)
const tick = Effect.promise(() => new Promise<void>((r) => (RTT_MS > 0 ? setTimeout(r, RTT_MS) : setImmediate(r))))
let next = 1
/** Jobs the fake master still holds: N at first, fewer per job leased, one more per job released. */
let unleased = N
const leased = (t: number): LeasedJob => {
  const iso = new Date(t).toISOString()
  return {
    id: next++, queue: "default", type: "noop", payload: null, status: "processing", priority: 0, run_at: iso,
    attempts: 1, max_attempts: 25, worker_id: "pool", lease_expires_at: new Date(t + 30_000).toISOString(),
    last_error: null, errors: [], result: null, idempotency_key: null, scan: null, created_at: iso, updated_at: iso,
    completed_at: null, workflow_id: null, key: null, depends_on: [], lease_token: "token", renew_after: new Date(t + 15_000).toISOString()
  }
}
const client: MasterClientShape = {
  lease: (req) =>
    Effect.map(tick, () => {
      const t = Date.now()
      const n = Math.min(req.max_jobs ?? 1, unleased)
      unleased -= n
      // Outcomes ride on lease calls (acks on a lease): answer them as the master would.
      const acks = req.acks?.map((a) => ({ job_id: a.job_id, ok: true }))
      return { jobs: Array.from({ length: n }, () => leased(t)), server_now: new Date(t).toISOString(), ...(acks ? { acks } : {}) }
    }),
  ack: (req) => Effect.map(tick, () => ({ results: req.items.map((i) => ({ job_id: i.job_id, ok: true })) })),
  renew: (req) => Effect.succeed({ results: req.items.map((i) => ({ job_id: i.job_id, ok: true })) }),
  // A prefetching pool may release buffered jobs (the surplus after a short answer at the end of the
  // backlog): each comes back as a fresh job, so the run still ends with N completions.
  release: () =>
    Effect.sync(() => {
      unleased++
      return { job: {} as never }
    })
}
let done = 0
const pool = WorkerPool.makeWorkerPool(client, {
  workerId: "pool",
  handlers: { noop: async () => null },
  concurrency: C,
  prefetch: PREFETCH,
  waitMs: 10,
  onEvent: (e) => {
    if (e.type === "job:completed") done++
  }
})
const cpu0 = process.cpuUsage()
const t0 = performance.now()
pool.start()
while (done < N) await new Promise((r) => setTimeout(r, 5))
const cpu = process.cpuUsage(cpu0)
console.log(`pool only, c=${C} prefetch=${PREFETCH} rtt=${RTT_MS}ms N=${N}: ${((cpu.user + cpu.system) / N).toFixed(1)} µs CPU/job, ${Math.round(N / ((performance.now() - t0) / 1000))} jobs/s, ${pool.status().counts.prefetched} through the buffer`, JSON.stringify(pool.status().prefetch))
await pool.stop()
process.exit(0)
