import type { MasterProcess } from "./masterProcess.ts"

/** Real data through the master's API: what the pages must show. */
export interface Seeded {
  readonly failedId: number
  readonly processingId: number
  readonly completedId: number
  readonly billingFailed: ReadonlyArray<number>
}

/** The body of a successful API answer; anything else fails the test with the answer. */
export const ok = <T extends { status: number; body: any }>(a: T, what: string): T["body"] => {
  if (a.status >= 300) throw new Error(`${what}: ${a.status} ${JSON.stringify(a.body)}`)
  return a.body
}

/** Leases one job of `queue` as `worker` and fails it for good with a message and a stack. */
const failOne = async (m: MasterProcess, queue: string, worker: string, message: string) => {
  const [job] = ok(await m.api("POST", "/jobs/lease", { worker_id: worker, queues: [queue] }), "lease").jobs
  const stack = `Error: ${message}\n    at handler (/srv/handlers.js:12:7)\n    at run (/srv/pool.js:40:3)`
  ok(await m.api("POST", `/jobs/${job.id}/fail`, { worker_id: worker, lease_token: job.lease_token, error: { message, stack }, retryable: false }), "fail")
  return job.id as number
}

/** Seeds queues in every status, a live lease, a schedule and a scan with progress. */
export const seed = async (m: MasterProcess): Promise<Seeded> => {
  ok(await m.api("POST", "/jobs/batch", { jobs: [1, 2, 3].map((i) => ({ type: "send-mail", queue: "emails", payload: { to: `user${i}@example.com` } })) }), "batch")
  const [done] = ok(await m.api("POST", "/jobs/lease", { worker_id: "worker-a", queues: ["emails"] }), "lease").jobs
  ok(await m.api("POST", `/jobs/${done.id}/complete`, { worker_id: "worker-a", lease_token: done.lease_token, result: { delivered: true, id: "msg-1" } }), "complete")
  ok(await m.api("POST", "/jobs", { type: "render-report", queue: "reports", payload: { month: "2026-11" } }), "enqueue")
  const failedId = await failOne(m, "reports", "worker-a", "report template missing")
  ok(await m.api("POST", "/jobs", { type: "render-report", queue: "reports", payload: { month: "2026-12" } }), "enqueue")
  const [held] = ok(await m.api("POST", "/jobs/lease", { worker_id: "worker-b", queues: ["reports"], lease_seconds: 3600 }), "lease").jobs
  ok(await m.api("POST", "/jobs/batch", { jobs: [1, 2, 3].map((i) => ({ type: "charge", queue: "billing", payload: { invoice: i } })) }), "batch")
  const billingFailed = [await failOne(m, "billing", "worker-a", "card declined"), await failOne(m, "billing", "worker-a", "card declined")]
  ok(await m.api("POST", "/schedules", { name: "nightly-report", cron: "30 2 * * *", type: "render-report", queue: "reports" }), "schedule")
  ok(await m.api("POST", "/scans", { name: "reindex", type: "reindex", queue: "scan", start: 0, end: 10_000, default_batch_size: 2_500 }), "scan")
  const batches = ok(await m.api("POST", "/jobs/lease", { worker_id: "worker-b", queues: ["scan"], max_jobs: 2 }), "lease").jobs
  ok(await m.api("POST", `/jobs/${batches[0].id}/complete`, { worker_id: "worker-b", lease_token: batches[0].lease_token }), "complete")
  return { failedId, processingId: held.id, completedId: done.id, billingFailed }
}
