import { Effect } from "effect"
import { JOB_STATUSES, type JobCounts, type QueueStats } from "@leasehold/contracts"
import { storeError, type JobStoreShape } from "@leasehold/core"
import { run } from "./run.ts"
import { iso } from "./rows.ts"
import { compactSlot, pendingAges, slotsToCompact, statusCounts, THROUGHPUT_MAX_MINUTES, throughputMinutes } from "./queries/counts.ts"
import { pruneFinishedStep } from "./queries/admin.ts"
import { pruneWorkflows } from "./queries/pruneWorkflows.ts"
import type { StoreSettings } from "./makeJobOps.ts"

/** A store-level prune call without a limit deletes at most this many rows. */
const PRUNE_DEFAULT_LIMIT = 10_000
/** Rows one prune statement looks at: small enough that a step holds its locks (and its trigger's transition table) briefly. */
const PRUNE_STEP_ROWS = 5_000
/** Whole workflows a store-level prune call deletes (each with all its jobs: at most 10,000 per request, so a few per call). */
const PRUNE_WORKFLOWS_PER_CALL = 10

type Mutable<T> = { -readonly [K in keyof T]: T[K] }

const emptyCounts = (): Mutable<JobCounts> => Object.fromEntries(JOB_STATUSES.map((s) => [s, 0])) as Mutable<JobCounts>

/** Counts by queue from the counter rows (statuses this contract does not know are left out). */
const byQueue = (rows: ReadonlyArray<{ queue: string; status: string; n: number }>): Record<string, Mutable<JobCounts>> => {
  const out: Record<string, Mutable<JobCounts>> = {}
  for (const r of rows) {
    const counts = (out[r.queue] ??= emptyCounts())
    if ((JOB_STATUSES as ReadonlyArray<string>).includes(r.status)) counts[r.status as keyof JobCounts] = Number(r.n)
  }
  return out
}

/** Stats, counts, throughput and pruning of the port: reads of counters and index ranges, never a table scan. */
export const makeStatsOps = ({ sql, readSql }: StoreSettings) => {
  const step: JobStoreShape["jobPruneFinishedStep"] = ({ before, limit, afterId }) =>
    Effect.map(run(() => pruneFinishedStep(sql, before, afterId, limit)), (rows) => {
      const r = rows[0]
      return {
        deleted: r?.deleted ?? 0,
        nextAfterId: !r || r.rows < limit || r.last_id === null ? null : Number(r.last_id),
        pastCutoff: r?.past_cutoff ?? false
      }
    })
  return {
    queueCountsGet: ({ queue }) => Effect.map(run(() => statusCounts(readSql, queue ?? null)), byQueue),
    statsGet: ({ now }) =>
      Effect.gen(function* () {
        const counts = byQueue(yield* run(() => statusCounts(readSql, null)))
        const withPending = Object.keys(counts).filter((q) => counts[q]!.pending > 0)
        const ages = yield* run(() => pendingAges(readSql, withPending, now ?? null))
        const queues: Record<string, QueueStats> = {}
        for (const [q, c] of Object.entries(counts)) queues[q] = { ...c, oldest_pending_age_ms: null }
        let expired = 0
        for (const r of ages) {
          if (r.queue === null) expired = Number(r.expired)
          else if (r.oldest_due && queues[r.queue]) {
            queues[r.queue] = { ...queues[r.queue]!, oldest_pending_age_ms: Math.max(0, r.now.getTime() - r.oldest_due.getTime()) }
          }
        }
        return { queues, expired_leases: expired }
      }),
    throughputGet: ({ minutes, queue, now }) =>
      Number.isInteger(minutes) && minutes >= 1 && minutes <= THROUGHPUT_MAX_MINUTES
        ? Effect.map(run(() => throughputMinutes(readSql, minutes, queue ?? null, now ?? null)), (rows) =>
            rows.map((r) => ({ at: iso(r.at), completed: Number(r.completed), failed: Number(r.failed) }))
          )
        : Effect.fail(storeError("Validation", "minutes must be an integer in 1..1440")),
    jobPruneFinishedStep: step,
    countersCompact: ({ now }) =>
      Effect.gen(function* () {
        let moved = 0
        for (const { slot } of yield* run(() => slotsToCompact(sql))) {
          const n = (yield* run(() => compactSlot(sql, slot, now ?? null)))[0]?.moved ?? 0
          if (n > 0) moved += n
        }
        return moved
      }),
    workflowPruneFinished: ({ before, limit }) => run(() => pruneWorkflows(sql, before, limit)),
    jobPruneFinished: ({ before, limit }) =>
      Effect.gen(function* () {
        const max = limit ?? PRUNE_DEFAULT_LIMIT
        let deleted = 0
        let afterId: number | null = 0
        while (afterId !== null && deleted < max) {
          const r: { deleted: number; nextAfterId: number | null } = yield* step({ before, afterId, limit: Math.min(PRUNE_STEP_ROWS, max - deleted) })
          deleted += r.deleted
          afterId = r.nextAfterId
        }
        return deleted + (yield* run(() => pruneWorkflows(sql, before, PRUNE_WORKFLOWS_PER_CALL)))
      })
  } satisfies Partial<JobStoreShape>
}
