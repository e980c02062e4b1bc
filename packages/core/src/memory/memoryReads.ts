import type { LeaseInfo, QueueStats, WorkerInfo } from "@leasehold/contracts"
import type { StoreError } from "../errors.ts"
import type { ListJobsParams, StoreStats } from "../JobStore.ts"
import { decodeCursor, encodeCursor, isStoreError, iso, toJob, type MemoryState } from "./MemoryState.ts"

const emptyQueueStats = (): { -readonly [K in keyof QueueStats]: QueueStats[K] } => ({
  blocked: 0,
  pending: 0,
  processing: 0,
  retrying: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  oldest_pending_age_ms: null
})

/** `GET /jobs`: keyset pages by id ascending under the filters; a malformed cursor is Validation. */
export const listJobs = (state: MemoryState, p: ListJobsParams) => {
  const after = p.cursor === undefined ? 0 : decodeCursor(p.cursor)
  if (isStoreError(after)) return after
  const page = [...state.rows.values()]
    .filter((r) => r.id > after)
    .map(toJob)
    .filter(
      (j) =>
        (p.queue === undefined || j.queue === p.queue) &&
        (p.status === undefined || j.status === p.status) &&
        (p.type === undefined || j.type === p.type) &&
        (p.workerId === undefined || j.worker_id === p.workerId) &&
        (p.workflowId === undefined || j.workflow_id === p.workflowId)
    )
    .sort((a, b) => a.id - b.id)
    .slice(0, p.limit + 1)
  const jobs = page.slice(0, p.limit)
  const last = jobs[jobs.length - 1]
  return { jobs, next_cursor: page.length > p.limit && last !== undefined ? encodeCursor(last.id) : null }
}

/** Per-queue counts with the oldest due pending job's age, and the expired leases. */
export const statsOf = (state: MemoryState, now: Date): StoreStats => {
  const queues: Record<string, ReturnType<typeof emptyQueueStats>> = {}
  let expiredLeases = 0
  for (const r of state.rows.values()) {
    const q = (queues[r.queue] ??= emptyQueueStats())
    q[r.status]++
    if (r.status === "pending" && r.runAt.getTime() <= now.getTime()) {
      const age = now.getTime() - r.runAt.getTime()
      q.oldest_pending_age_ms = Math.max(q.oldest_pending_age_ms ?? 0, age)
    }
    if (r.status === "processing" && r.leaseExpiresAt !== null && r.leaseExpiresAt.getTime() < now.getTime()) expiredLeases++
  }
  return { queues, expired_leases: expiredLeases }
}

/** Active or expired leases, soonest expiry first. */
export const listLeases = (
  state: MemoryState,
  p: { readonly state: "active" | "expired"; readonly queue?: string | undefined; readonly limit: number },
  now: Date
): StoreError | ReadonlyArray<LeaseInfo> =>
  [...state.rows.values()]
    .filter(
      (r) =>
        r.status === "processing" &&
        (p.queue === undefined || r.queue === p.queue) &&
        (p.state === "expired") === r.leaseExpiresAt!.getTime() < now.getTime()
    )
    .sort((a, b) => a.leaseExpiresAt!.getTime() - b.leaseExpiresAt!.getTime() || a.id - b.id)
    .slice(0, p.limit)
    .map(
      (r): LeaseInfo => ({
        job_id: r.id,
        queue: r.queue,
        type: r.type,
        worker_id: r.workerId!,
        leased_at: iso(r.leasedAt!),
        lease_expires_at: iso(r.leaseExpiresAt!)
      })
    )

/** Workers seen since `since`, by id, with their live leases. */
export const listWorkers = (state: MemoryState, since: Date, now: Date): ReadonlyArray<WorkerInfo> =>
  [...state.workers.entries()]
    .filter(([, seen]) => seen.getTime() >= since.getTime())
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([workerId, seen]) => ({
      worker_id: workerId,
      last_seen_at: iso(seen),
      in_flight: [...state.rows.values()].filter(
        (r) => r.status === "processing" && r.workerId === workerId && r.leaseExpiresAt!.getTime() >= now.getTime()
      ).length
    }))
