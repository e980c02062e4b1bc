import { Effect } from "effect"
import { JOB_STATUSES, SCAN_MAX_END, type QueueStats, type Scan } from "@leasehold/contracts"
import { storeError, type JobStoreShape, type NewScan } from "@leasehold/core"
import { run } from "./run.ts"
import { iso, toJob } from "./rows.ts"
import { getJob, listJobs, listLeases, nextLeasableAt, queueCounts } from "./queries/reads.ts"
import { pruneFinished } from "./queries/admin.ts"
import { pruneWorkflows } from "./queries/workflows.ts"
import { getScan, insertScan, listScans, setScanPaused, type ScanRow } from "./queries/scans.ts"
import { listWorkers, touchWorker } from "./queries/workers.ts"
import type { StoreSettings } from "./makeJobOps.ts"

/** Prune deletes at most this many rows per call so one call never holds locks for long. */
const PRUNE_DEFAULT_LIMIT = 10_000
/** Whole workflows deleted per call (each with all its jobs: at most 10,000 per request, so a few per call). */
const PRUNE_WORKFLOWS_PER_CALL = 10

/** Opaque keyset cursor: base64url of "j:<last id>". */
export const encodeCursor = (id: number): string => Buffer.from(`j:${id}`).toString("base64url")
/** The last id of the previous page, or undefined for anything that is not a cursor we issued. */
export const decodeCursor = (cursor: string): number | undefined => {
  const m = /^j:(\d{1,16})$/.exec(Buffer.from(cursor, "base64url").toString("utf8"))
  const id = m ? Number(m[1]) : Number.NaN
  return Number.isSafeInteger(id) && encodeCursor(id) === cursor ? id : undefined
}

const toScan = (r: ScanRow): Scan => {
  const total = Number(r.range_end) - Number(r.range_start)
  const completedUnits = Number(r.completed_units)
  return {
    name: r.name,
    queue: r.queue,
    type: r.type,
    start: Number(r.range_start),
    end: Number(r.range_end),
    cursor: Number(r.cursor_pos),
    default_batch_size: Number(r.default_batch_size),
    max_batch_size: Number(r.max_batch_size),
    paused: r.paused,
    batches: {
      pending: r.pending,
      processing: r.processing,
      retrying: r.retrying,
      completed: r.completed,
      failed: r.failed,
      cancelled: r.cancelled
    },
    completed_units: completedUnits,
    failed_units: Number(r.failed_units),
    total_units: total,
    progress: total > 0 ? completedUnits / total : 1,
    done: Number(r.cursor_pos) >= Number(r.range_end) && r.pending + r.processing + r.retrying === 0
  }
}

const isBatchSize = (n: number) => Number.isInteger(n) && n >= 1 && n <= SCAN_MAX_END

/** Checks a new scan against SPEC "Precise rules: Scans" and applies its defaults. */
const validateScan = (scan: NewScan, serverMax: number) => {
  const fail = (message: string) => Effect.fail(storeError("Validation", message))
  if (!/^[a-z0-9_.-]{1,64}$/.test(scan.name)) return fail("scan name must match [a-z0-9_.-]{1,64}")
  if (!Number.isInteger(scan.start) || !Number.isInteger(scan.end) || scan.start < 0 || scan.start >= scan.end || scan.end > SCAN_MAX_END) {
    return fail("scan range must satisfy 0 <= start < end <= 2^53")
  }
  const payload = scan.payload ?? {}
  if (typeof payload !== "object" || payload === null || Array.isArray(payload)) return fail("scan payload must be an object")
  if ("start" in payload || "end" in payload) return fail("scan payload must not contain start or end")
  const max = scan.maxBatchSize ?? serverMax
  const def = scan.defaultBatchSize ?? Math.min(1000, max)
  if (!isBatchSize(max) || !isBatchSize(def)) return fail("batch sizes must be positive integers")
  if (def > max) return fail("default_batch_size must not exceed max_batch_size")
  const maxAttempts = scan.maxAttempts ?? 3
  if (!Number.isInteger(maxAttempts) || maxAttempts < 1 || maxAttempts > 100) return fail("max_attempts must be in 1..100")
  return Effect.succeed({
    name: scan.name,
    type: scan.type,
    queue: scan.queue ?? "default",
    start: scan.start,
    end: scan.end,
    defaultBatchSize: def,
    maxBatchSize: max,
    payload,
    maxAttempts
  })
}

const emptyStats = (): QueueStats => ({
  blocked: 0,
  pending: 0,
  processing: 0,
  retrying: 0,
  completed: 0,
  failed: 0,
  cancelled: 0,
  oldest_pending_age_ms: null
})

/** Reads, stats, pruning, scans and the worker registry of the port. */
export const makeReadOps = ({ sql, serverMaxBatchSize }: StoreSettings) => {
  const scanGet: JobStoreShape["scanGet"] = ({ name }) =>
    Effect.flatMap(run(() => getScan(sql, name)), (rows) =>
      rows[0] ? Effect.succeed(toScan(rows[0])) : Effect.fail(storeError("NotFound", `scan ${name} not found`, { name }))
    )
  return {
    jobGet: ({ id }) =>
      Effect.flatMap(run(() => getJob(sql, id)), (rows) =>
        rows[0] ? Effect.succeed(toJob(rows[0])) : Effect.fail(storeError("NotFound", `job ${id} not found`, { job_id: id }))
      ),
    jobList: (p) =>
      Effect.gen(function* () {
        const afterId = p.cursor === undefined ? 0 : decodeCursor(p.cursor)
        if (afterId === undefined) return yield* Effect.fail(storeError("Validation", "invalid cursor"))
        if (!Number.isInteger(p.limit) || p.limit < 1 || p.limit > 500) {
          return yield* Effect.fail(storeError("Validation", "limit must be in 1..500"))
        }
        const rows = yield* run(() =>
          listJobs(sql, {
            queue: p.queue ?? null,
            status: p.status ?? null,
            type: p.type ?? null,
            workerId: p.workerId ?? null,
            workflowId: p.workflowId ?? null,
            afterId,
            limit: p.limit
          })
        )
        const page = rows.slice(0, p.limit).map(toJob)
        const last = page[page.length - 1]
        return { jobs: page, next_cursor: rows.length > p.limit && last ? encodeCursor(last.id) : null }
      }),
    statsGet: ({ now }) =>
      Effect.map(run(() => queueCounts(sql, now ?? null)), (rows) => {
        const queues: Record<string, QueueStats> = {}
        let expired = 0
        for (const r of rows) {
          if (r.queue === null || r.status === null) {
            expired = r.n
            continue
          }
          const q = (queues[r.queue] ??= emptyStats())
          const counts = q as { -readonly [K in keyof QueueStats]: QueueStats[K] }
          if (JOB_STATUSES.includes(r.status)) counts[r.status] = r.n
          if (r.oldest_due) counts.oldest_pending_age_ms = Math.max(0, r.now.getTime() - r.oldest_due.getTime())
        }
        return { queues, expired_leases: expired }
      }),
    leaseList: ({ state, queue, limit, now }) =>
      Effect.map(run(() => listLeases(sql, { expired: state === "expired", queue: queue ?? null, limit, now: now ?? null })), (rows) =>
        rows.map((r) => ({
          job_id: Number(r.id),
          queue: r.queue,
          type: r.type,
          worker_id: r.worker_id,
          leased_at: iso(r.leased_at),
          lease_expires_at: iso(r.lease_expires_at)
        }))
      ),
    jobPruneFinished: ({ before, limit }) =>
      Effect.gen(function* () {
        const plain = (yield* run(() => pruneFinished(sql, before, limit ?? PRUNE_DEFAULT_LIMIT)))[0]?.n ?? 0
        const whole = (yield* run(() => pruneWorkflows(sql, before, PRUNE_WORKFLOWS_PER_CALL)))[0]?.n ?? 0
        return plain + whole
      }),
    jobNextLeasableAt: ({ queues, types, now }) =>
      queues.length === 0
        ? Effect.succeed(null)
        : Effect.map(run(() => nextLeasableAt(sql, queues, types && types.length > 0 ? types : null, now ?? null)), (rows) => rows[0]?.at ?? null),
    scanCreate: ({ scan, now }) =>
      Effect.gen(function* () {
        const valid = yield* validateScan(scan, serverMaxBatchSize)
        yield* Effect.mapError(run(() => insertScan(sql, valid, now ?? null)), (e) =>
          e.reason === "Conflict" ? storeError("Conflict", `scan ${scan.name} exists already`, { name: scan.name }) : e
        )
        return yield* scanGet({ name: scan.name })
      }),
    scanGet,
    scanList: () => Effect.map(run(() => listScans(sql)), (rows) => rows.map(toScan)),
    scanSetPaused: ({ name, paused }) =>
      Effect.flatMap(run(() => setScanPaused(sql, name, paused)), (rows) =>
        rows.length === 0 ? Effect.fail(storeError("NotFound", `scan ${name} not found`, { name })) : scanGet({ name })
      ),
    workerTouch: ({ workerId, now }) => Effect.asVoid(run(() => touchWorker(sql, workerId, now ?? null))),
    workerList: ({ since, now }) =>
      Effect.map(run(() => listWorkers(sql, since, now ?? null)), (rows) =>
        rows.map((r) => ({ worker_id: r.worker_id, last_seen_at: iso(r.last_seen_at), in_flight: r.in_flight }))
      )
  } satisfies Partial<JobStoreShape>
}
