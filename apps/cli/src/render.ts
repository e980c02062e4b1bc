import type { Job, Schedule, Scan } from "@leasehold/contracts"
import { fields, progressBar, relative, table } from "./format.ts"

/** Jobs as an aligned table with relative times. */
export const jobsTable = (jobs: ReadonlyArray<Job>, now = new Date()): string =>
  table(jobs, [
    { header: "ID", cell: (j) => String(j.id), align: "right" },
    { header: "QUEUE", cell: (j) => j.queue },
    { header: "TYPE", cell: (j) => j.type },
    { header: "STATUS", cell: (j) => j.status },
    { header: "ATTEMPTS", cell: (j) => `${j.attempts}/${j.max_attempts}`, align: "right" },
    { header: "RUN AT", cell: (j) => relative(j.run_at, now) },
    { header: "UPDATED", cell: (j) => relative(j.updated_at, now) },
    { header: "WORKER", cell: (j) => j.worker_id ?? "-" }
  ])

const at = (iso: string | null, now: Date) => (iso === null ? "-" : `${iso} (${relative(iso, now)})`)

/** One job as aligned fields. */
export const jobDetails = (j: Job, now = new Date()): string =>
  fields([
    ["id", String(j.id)],
    ["queue", j.queue],
    ["type", j.type],
    ["status", j.status],
    ["priority", String(j.priority)],
    ["attempts", `${j.attempts}/${j.max_attempts}`],
    ["run at", at(j.run_at, now)],
    ["worker", j.worker_id ?? "-"],
    ["lease expires", at(j.lease_expires_at, now)],
    ["idempotency key", j.idempotency_key ?? "-"],
    ["payload", JSON.stringify(j.payload)],
    ["result", JSON.stringify(j.result ?? null)],
    ["last error", j.last_error ?? "-"],
    ["created", at(j.created_at, now)],
    ["updated", at(j.updated_at, now)],
    ["completed", at(j.completed_at, now)]
  ])

/** Schedules as an aligned table. */
export const schedulesTable = (schedules: ReadonlyArray<Schedule>, now = new Date()): string =>
  table(schedules, [
    { header: "NAME", cell: (s) => s.name },
    { header: "CRON", cell: (s) => s.cron },
    { header: "TIMEZONE", cell: (s) => s.timezone },
    { header: "QUEUE", cell: (s) => s.queue },
    { header: "TYPE", cell: (s) => s.type },
    { header: "ENABLED", cell: (s) => (s.enabled ? "yes" : "paused") },
    { header: "MISFIRE", cell: (s) => (s.misfire_policy === "backfill" ? `backfill(${s.backfill_limit})` : s.misfire_policy) },
    { header: "NEXT RUN", cell: (s) => relative(s.next_run_at, now) },
    { header: "LAST RUN", cell: (s) => relative(s.last_run_at, now) }
  ])

/** One schedule as aligned fields. */
export const scheduleDetails = (s: Schedule, now = new Date()): string =>
  fields([
    ["name", s.name],
    ["cron", s.cron],
    ["timezone", s.timezone],
    ["queue", s.queue],
    ["type", s.type],
    ["payload", JSON.stringify(s.payload)],
    ["max attempts", String(s.max_attempts)],
    ["enabled", s.enabled ? "yes" : "no (paused)"],
    ["misfire policy", s.misfire_policy === "backfill" ? `backfill (up to ${s.backfill_limit})` : s.misfire_policy],
    ["next run", at(s.next_run_at, now)],
    ["last run", at(s.last_run_at, now)]
  ])

const units = (s: Scan) => `${s.completed_units}/${s.total_units} units`
const batches = (s: Scan) =>
  Object.entries(s.batches)
    .filter(([, n]) => n > 0)
    .map(([status, n]) => `${n} ${status}`)
    .join(", ") || "no batches yet"

/** Scans as an aligned table with a progress column. */
export const scansTable = (scans: ReadonlyArray<Scan>): string =>
  table(scans, [
    { header: "NAME", cell: (s) => s.name },
    { header: "QUEUE", cell: (s) => s.queue },
    { header: "TYPE", cell: (s) => s.type },
    { header: "RANGE", cell: (s) => `[${s.start}, ${s.end})` },
    { header: "PROGRESS", cell: (s) => `${(s.progress * 100).toFixed(1)}%`, align: "right" },
    { header: "STATE", cell: (s) => (s.done ? "done" : s.paused ? "paused" : "running") },
    { header: "BATCHES", cell: batches }
  ])

/** The one-line live view of a scan: bar, units and batches. */
export const scanProgressLine = (s: Scan): string =>
  `${s.name}  ${progressBar(s.progress)}  ${units(s)}  ${batches(s)}${s.done ? "  done" : s.paused ? "  paused" : ""}`

/** One scan as aligned fields. */
export const scanDetails = (s: Scan): string =>
  fields([
    ["name", s.name],
    ["queue", s.queue],
    ["type", s.type],
    ["range", `[${s.start}, ${s.end})`],
    ["cursor", String(s.cursor)],
    ["batch size", `${s.default_batch_size} (max ${s.max_batch_size})`],
    ["state", s.done ? "done" : s.paused ? "paused" : "running"],
    ["progress", `${progressBar(s.progress)}  ${units(s)}`],
    ["failed units", String(s.failed_units)],
    ["batches", batches(s)]
  ])
