import { Effect } from "effect"
import { serve } from "@hono/node-server"
import type { JobStoreShape } from "@leasehold/core"
import { buildApp } from "../src/app.ts"
import { resolveConfig } from "../src/config.ts"
import { silentLogger } from "../src/http/Logger.ts"
import { makeLeaseWaiters } from "../src/longPoll/LeaseWaiters.ts"
import { makeMetrics } from "../src/metrics/Metrics.ts"
import { makeWorkerRegistry } from "../src/registry/WorkerRegistry.ts"
import { makeClient } from "./httpClient.ts"

const now = new Date().toISOString()
const job = (id: number) => ({ id, queue: "q", type: "bench", payload: { n: id, user: "u-123", tags: ["a", "b"] }, status: "processing", priority: 0, run_at: now, attempts: 1, max_attempts: 3, worker_id: "w", lease_expires_at: now, last_error: null, errors: [], result: null, idempotency_key: null, scan: null, created_at: now, updated_at: now, completed_at: null, lease_token: "tok-" + id, renew_after: now })
const jobs = Array.from({ length: 100 }, (_, i) => job(i + 1))
const store = {
  jobLeaseAcquire: () => Effect.succeed(jobs),
  leaseAckMany: (p: any) => Effect.succeed(p.items.map((i: any) => ({ job_id: i.jobId, ok: true }))),
  jobEnqueueMany: (p: any) => Effect.succeed(p.jobs.map((_: any, i: number) => ({ job: job(i), duplicate: false }))),
  workerTouch: () => Effect.void
} as unknown as JobStoreShape
const app = buildApp({ store, config: resolveConfig({}), log: silentLogger, metrics: makeMetrics(async () => null), waiters: makeLeaseWaiters(), workers: makeWorkerRegistry(store, silentLogger), ping: async () => {} })
const server = serve({ fetch: app.fetch, port: 18777, hostname: "127.0.0.1" })
const client = makeClient("http://127.0.0.1:18777")
const lease = JSON.stringify({ worker_id: "w", queues: ["q"], max_jobs: 100 })
const ack = JSON.stringify({ worker_id: "w", items: jobs.map((j) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" })) })
const batch = JSON.stringify({ jobs: Array.from({ length: 10000 }, (_, i) => ({ type: "bench", queue: "q", payload: { n: i, user: "u-123", tags: ["a", "b"] } })) })
for (const [name, path, body, n] of [["warm-up", "/api/v1/jobs/lease", lease, 2000], ["warm-up", "/api/v1/leases/ack", ack, 2000], ["lease100", "/api/v1/jobs/lease", lease, 8000], ["ack100", "/api/v1/leases/ack", ack, 8000]] as const) {
  const t = performance.now()
  const cpu0 = process.cpuUsage()
  await Promise.all(Array.from({ length: 8 }, async () => { for (let i = 0; i < n / 8; i++) { const r = await client.call("POST", path, body); if (r.status >= 300) throw new Error(r.text) } }))
  const ms = performance.now() - t
  const cpu = process.cpuUsage(cpu0)
  if (name !== "warm-up") console.log(name, (n / (ms / 1000)).toFixed(0), "req/s", (ms / n).toFixed(3), "ms/req", ((cpu.user + cpu.system) / n).toFixed(0), "us cpu/req (client and server)")
}
client.close(); server.close()
