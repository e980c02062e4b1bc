import { InvalidArgumentError } from "commander"
import { QUEUE_LIMIT_MAX, RATE_LIMIT_MAX, RATE_PERIOD_MAX_MS, type Queue, type RateLimit } from "@leasehold/contracts"
import { fields, table } from "../format.ts"

/** Milliseconds per unit of a `--rate` period. */
const UNIT_MS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 }

const RATE = /^(\d+)\/(\d+)(ms|s|m|h)$/

/**
 * What `none` parses to. Not `null`: commander stores a parser's null as a missing value; `cleared`
 * turns it into the null that PATCH clears with.
 */
export const NONE = "none" as const

/** A parsed flag value as PATCH takes it (`none` → null). */
export const cleared = <A>(v: A | typeof NONE | undefined): A | null | undefined => (v === NONE ? null : v)

/** `--max-concurrency` / `--key-concurrency`: an integer 1..100000, or `none` to clear. */
export const limitOption = (raw: string): number | typeof NONE => {
  const text = raw.trim().toLowerCase()
  if (text === "none" || text === "null") return NONE
  if (!/^\d+$/.test(text) || Number(text) < 1 || Number(text) > QUEUE_LIMIT_MAX)
    throw new InvalidArgumentError(`expected an integer from 1 to ${QUEUE_LIMIT_MAX}, or 'none' to clear`)
  return Number(text)
}

/** `--rate LIMIT/PERIOD` (`100/1s`, `50/500ms`, `1000/1m`, `10/1h`), or `none` to clear. */
export const rateOption = (raw: string): RateLimit | typeof NONE => {
  const text = raw.trim().toLowerCase()
  if (text === "none" || text === "null") return NONE
  const m = RATE.exec(text)
  const expected = "expected LIMIT/PERIOD such as 100/1s, 50/500ms, 1000/1m, or 'none' to clear"
  if (!m) throw new InvalidArgumentError(expected)
  const limit = Number(m[1])
  const periodMs = Number(m[2]) * UNIT_MS[m[3]!]!
  if (limit < 1 || limit > RATE_LIMIT_MAX) throw new InvalidArgumentError(`the limit must be from 1 to ${RATE_LIMIT_MAX} (${expected})`)
  if (periodMs < 1 || periodMs > RATE_PERIOD_MAX_MS) throw new InvalidArgumentError(`the period must be from 1ms to 24h (${expected})`)
  return { limit, period_ms: periodMs }
}

/** A rate limit as `--rate` spells it (the largest whole unit). */
export const rateText = (r: RateLimit | null): string => {
  if (r === null) return "-"
  const [unit, ms] = (["h", "m", "s"] as const).map((u) => [u, UNIT_MS[u]!] as const).find(([, ms]) => r.period_ms % ms === 0) ?? ["ms", 1]
  return `${r.limit}/${r.period_ms / ms}${unit}`
}

const limitText = (n: number | null, unset = "-") => (n === null ? unset : String(n))

/** Queues as an aligned table: state, limits and counts. */
export const queuesTable = (queues: ReadonlyArray<Queue>): string =>
  table(queues, [
    { header: "QUEUE", cell: (q) => q.name },
    { header: "STATE", cell: (q) => (q.paused ? "paused" : "active") },
    { header: "MAX CONC", cell: (q) => limitText(q.max_concurrency), align: "right" },
    { header: "RATE", cell: (q) => rateText(q.rate_limit), align: "right" },
    { header: "KEY CONC", cell: (q) => limitText(q.key_concurrency, "1 (default)"), align: "right" },
    { header: "PENDING", cell: (q) => String(q.counts.pending + q.counts.retrying), align: "right" },
    { header: "RUNNING", cell: (q) => String(q.counts.processing), align: "right" },
    { header: "DONE", cell: (q) => String(q.counts.completed), align: "right" },
    { header: "FAILED", cell: (q) => String(q.counts.failed), align: "right" }
  ])

/** One queue as aligned fields. */
export const queueDetails = (q: Queue): string =>
  fields([
    ["queue", q.name],
    ["state", q.paused ? "paused (leases nothing; enqueues accepted)" : "active"],
    ["max concurrency", limitText(q.max_concurrency, "none")],
    ["rate limit", q.rate_limit === null ? "none" : `${rateText(q.rate_limit)} (${q.rate_limit.limit} per ${q.rate_limit.period_ms} ms, fixed window)`],
    ["key concurrency", limitText(q.key_concurrency, "1 (default, per concurrency_key)")],
    ["counts", Object.entries(q.counts).map(([k, v]) => `${k} ${v}`).join(", ")]
  ])
