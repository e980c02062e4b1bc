import { Effect } from "effect"
import { SCAN_MAX_END, type Scan } from "@leasehold/contracts"
import { storeError, type JobStoreShape, type NewScan } from "@leasehold/core"
import { run } from "./run.ts"
import { getScan, insertScan, listScans, setScanPaused, type ScanRow } from "./queries/scans.ts"
import type { StoreSettings } from "./makeJobOps.ts"

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

/** Scans of the port: create, read, list, pause. */
export const makeScanOps = ({ sql, readSql, serverMaxBatchSize }: StoreSettings) => {
  const scanGet: JobStoreShape["scanGet"] = ({ name }) =>
    Effect.flatMap(run(() => getScan(readSql, name)), (rows) =>
      rows[0] ? Effect.succeed(toScan(rows[0])) : Effect.fail(storeError("NotFound", `scan ${name} not found`, { name }))
    )
  return {
    scanCreate: ({ scan, now }) =>
      Effect.gen(function* () {
        const valid = yield* validateScan(scan, serverMaxBatchSize)
        yield* Effect.mapError(run(() => insertScan(sql, valid, now ?? null)), (e) =>
          e.reason === "Conflict" ? storeError("Conflict", `scan ${scan.name} exists already`, { name: scan.name }) : e
        )
        return yield* Effect.flatMap(run(() => getScan(sql, scan.name)), (rows) =>
          rows[0] ? Effect.succeed(toScan(rows[0])) : Effect.fail(storeError("NotFound", `scan ${scan.name} not found`, { name: scan.name }))
        )
      }),
    scanGet,
    scanList: () => Effect.map(run(() => listScans(readSql)), (rows) => rows.map(toScan)),
    scanSetPaused: ({ name, paused }) =>
      Effect.flatMap(run(() => setScanPaused(sql, name, paused)), (rows) =>
        rows.length === 0 ? Effect.fail(storeError("NotFound", `scan ${name} not found`, { name })) : scanGet({ name })
      )
  } satisfies Partial<JobStoreShape>
}
