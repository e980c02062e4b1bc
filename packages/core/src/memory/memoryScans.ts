import { DEFAULT_SCAN_BATCH_SIZE, SCAN_MAX_END, type Scan } from "@leasehold/contracts"
import { storeError, type StoreError } from "../errors.ts"
import type { NewScan } from "../JobStore.ts"
import { grantLease, isStoreError, newPendingRow, transitionRow, type MemoryRow, type MemoryScan, type MemoryState } from "./MemoryState.ts"

const SCAN_NAME = /^[a-z0-9_.-]{1,64}$/
const isPositiveInt = (n: number) => Number.isSafeInteger(n) && n > 0

/** Validates and stores a new scan; a taken name is Conflict. */
export const createScan = (state: MemoryState, scan: NewScan): StoreError | MemoryScan => {
  const invalid = (message: string) => storeError("Validation", message, { name: scan.name })
  if (!SCAN_NAME.test(scan.name)) return invalid("scan name must match [a-z0-9_.-]{1,64}")
  if (!Number.isInteger(scan.start) || !Number.isInteger(scan.end)) return invalid("start and end must be integers")
  if (!(scan.start >= 0 && scan.start < scan.end && scan.end <= SCAN_MAX_END)) {
    return invalid("scan range must satisfy 0 <= start < end <= 2^53")
  }
  const maxBatchSize = scan.maxBatchSize ?? state.maxBatchSize
  const defaultBatchSize = scan.defaultBatchSize ?? Math.min(DEFAULT_SCAN_BATCH_SIZE, maxBatchSize)
  if (!isPositiveInt(maxBatchSize) || !isPositiveInt(defaultBatchSize)) return invalid("batch sizes must be positive integers")
  if (defaultBatchSize > maxBatchSize) return invalid("default_batch_size must not exceed max_batch_size")
  const payload = scan.payload ?? {}
  if ("start" in payload || "end" in payload) return invalid("a scan payload must not have start or end keys")
  if (state.scans.has(scan.name)) return storeError("Conflict", `scan ${scan.name} exists already`, { name: scan.name })
  const stored: MemoryScan = {
    seq: state.scans.size + 1,
    name: scan.name,
    queue: scan.queue ?? "default",
    type: scan.type,
    start: scan.start,
    end: scan.end,
    cursor: scan.start,
    defaultBatchSize,
    maxBatchSize,
    payload: JSON.parse(JSON.stringify(payload)) as Record<string, unknown>,
    maxAttempts: scan.maxAttempts ?? 3,
    paused: false
  }
  state.scans.set(scan.name, stored)
  return stored
}

/** The scans a lease on these queues and types could carve from, oldest first. */
export const scansFor = (
  state: MemoryState,
  queues: ReadonlyArray<string>,
  types: ReadonlyArray<string> | undefined
): Array<MemoryScan> =>
  [...state.scans.values()]
    .filter((s) => queues.includes(s.queue) && (types === undefined || types.includes(s.type)))
    .sort((a, b) => a.seq - b.seq)

/** Checks a requested batch size against each applicable scan's max, or the server max when there is none. */
export const checkRequestedBatchSize = (
  state: MemoryState,
  requested: number,
  scans: ReadonlyArray<MemoryScan>,
  serverMax: number
): StoreError | null => {
  if (!isPositiveInt(requested)) return storeError("Validation", "requested_batch_size must be a positive integer")
  const limits = scans.length === 0 ? [{ name: null, max: serverMax }] : scans.map((s) => ({ name: s.name, max: s.maxBatchSize }))
  const over = limits.find((l) => requested > l.max)
  return over === undefined
    ? null
    : storeError("Validation", `requested_batch_size ${requested} exceeds the maximum ${over.max}`, {
        requested_batch_size: requested,
        max_batch_size: over.max,
        scan: over.name
      })
}

/** Carves up to `count` new batches from the scans, leasing each to the worker; returns the new rows. */
export const carveBatches = (
  state: MemoryState,
  scans: ReadonlyArray<MemoryScan>,
  count: number,
  requested: number | undefined,
  lease: { readonly workerId: string; readonly leaseSeconds: number; readonly now: Date }
): Array<MemoryRow> => {
  const carved: Array<MemoryRow> = []
  for (const scan of scans) {
    while (!scan.paused && scan.cursor < scan.end && carved.length < count) {
      const size = Math.min(requested ?? scan.defaultBatchSize, scan.maxBatchSize, scan.end - scan.cursor)
      const row = newPendingRow(
        state,
        {
          queue: scan.queue,
          type: scan.type,
          payload: { ...scan.payload, start: scan.cursor, end: scan.cursor + size },
          priority: 0,
          runAt: lease.now,
          maxAttempts: scan.maxAttempts,
          idempotencyKey: null,
          scan: scan.name
        },
        lease.now
      )
      const leased = transitionRow(row, { type: "LEASE" }, lease.now)
      if (isStoreError(leased)) return carved
      grantLease(row, lease.workerId, lease.leaseSeconds, lease.now)
      state.rows.set(row.id, row)
      scan.cursor += size
      carved.push(row)
    }
    if (carved.length >= count) break
  }
  return carved
}

const batchUnits = (row: MemoryRow): number => {
  const p = row.payload as { start: number; end: number }
  return p.end - p.start
}

/** The read shape of a scan (SPEC "Scans"). */
export const toScan = (state: MemoryState, scan: MemoryScan): Scan => {
  const batches = { pending: 0, processing: 0, retrying: 0, completed: 0, failed: 0, cancelled: 0 }
  let completedUnits = 0
  let failedUnits = 0
  for (const row of state.rows.values()) {
    if (row.scan !== scan.name) continue
    if (row.status !== "blocked") batches[row.status]++
    if (row.status === "completed") completedUnits += batchUnits(row)
    if (row.status === "failed") failedUnits += batchUnits(row)
  }
  const totalUnits = scan.end - scan.start
  return {
    name: scan.name,
    queue: scan.queue,
    type: scan.type,
    start: scan.start,
    end: scan.end,
    cursor: scan.cursor,
    default_batch_size: scan.defaultBatchSize,
    max_batch_size: scan.maxBatchSize,
    paused: scan.paused,
    batches,
    completed_units: completedUnits,
    failed_units: failedUnits,
    total_units: totalUnits,
    progress: completedUnits / totalUnits,
    done: scan.cursor >= scan.end && batches.pending + batches.processing + batches.retrying === 0
  }
}
