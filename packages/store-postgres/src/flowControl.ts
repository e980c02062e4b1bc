import type postgres from "postgres"
import type { LeaseRow } from "./rows.ts"
import { leaseJobs, splitLease, type LeaseInput } from "./queries/lease.ts"
import { clockAfterLock, controllingQueues, ensureSettings, liveLeases, lockSettings, recordWindow } from "./queries/queues.ts"

/**
 * How long this store trusts its list of controlled queues. Only long-poll waits read it (to re-check
 * a held-back queue every FLOW_REPOLL_MS); a lease learns which requested queues are controlled from its
 * own statement, so a stale list never touches a limit.
 */
const CONTROLLED_CACHE_MS = 1000

/**
 * How often a long-poll held back by a pause or a full limit re-checks (SPEC: room freed by an ack,
 * fail, release or cancel wakes it within 500 ms; a resume or a settings change NOTIFYs at once).
 */
export const FLOW_REPOLL_MS = 200

/** SPEC: jobs sharing a concurrency_key run one at a time unless the queue's key_concurrency says more. */
export const DEFAULT_KEY_CONCURRENCY = 1

/**
 * Rounds of the keyed lease per queue and call. A round leases at least one job or ends the loop, and
 * after a round every key that held a candidate back is full, so two rounds are the common case; the cap
 * only bounds a pathological one (the next lease call goes on where this one stopped).
 */
const KEYED_ROUNDS_MAX = 16

/**
 * Leases up to maxJobs from one controlled queue within its per-key limit. One statement may pass over
 * a candidate only because another of its key came first in the same batch; then a new round (a new
 * snapshot of this transaction, which sees the leases just made) takes the next eligible jobs.
 */
const leaseWithinKeys = async (tx: postgres.TransactionSql, input: LeaseInput): Promise<ReadonlyArray<LeaseRow>> => {
  const out: LeaseRow[] = []
  for (let round = 0; round < KEYED_ROUNDS_MAX && out.length < input.maxJobs; round++) {
    const raw = await leaseJobs(tx as unknown as postgres.Sql, { ...input, maxJobs: input.maxJobs - out.length })
    const { rows } = splitLease(raw)
    out.push(...rows)
    if (rows.length === 0 || (raw[0]?.held ?? 0) === 0) break
  }
  return out
}

/** Pause and limits on the lease path: which queues are controlled, and leasing them within their room. */
export interface FlowControl {
  /** Queues of the database that are paused or limited (cached for CONTROLLED_CACHE_MS). */
  readonly controlled: () => Promise<ReadonlySet<string>>
  /** Forget the cached list (after this store changed a setting). */
  readonly invalidate: () => void
  /**
   * A lease statement found these queues controlled: forget a cached list that lacks one of them, so
   * the long-poll's next-leasable hint (read once per wait) re-checks them every FLOW_REPOLL_MS rather
   * than sleeping the whole wait on a list older than the queue's first limit or keyed job.
   */
  readonly sawControlled: (names: ReadonlyArray<string>) => void
  /** Leases up to maxJobs from these controlled queues, each within the room its settings leave. */
  readonly leaseControlled: (input: LeaseInput, queues: ReadonlyArray<string>, maxJobs: number) => Promise<ReadonlyArray<LeaseRow>>
}

/**
 * Builds the flow control of one store. Exactness across masters: every lease on a controlled queue
 * locks its settings row FOR UPDATE first, then counts and leases in later statements of the same
 * transaction, whose fresh snapshots see every lease committed before the lock was granted.
 */
export const makeFlowControl = (sql: postgres.Sql): FlowControl => {
  let cached: { readonly at: number; readonly names: ReadonlySet<string> } | undefined
  let loading: Promise<ReadonlySet<string>> | undefined
  const controlled = async () => {
    if (cached && Date.now() - cached.at < CONTROLLED_CACHE_MS) return cached.names
    loading ??= controllingQueues(sql).then(
      (rows) => {
        cached = { at: Date.now(), names: new Set(rows.map((r) => r.name)) }
        loading = undefined
        return cached.names
      },
      (e: unknown) => {
        loading = undefined
        throw e
      }
    )
    return loading
  }
  const leaseControlled: FlowControl["leaseControlled"] = (input, queues, maxJobs) =>
    sql.begin(async (tx) => {
      // A queue controlled only by its keyed jobs may have no settings row yet: create it (empty) BEFORE
      // the lock (postgres.js sends a query when it is awaited), so the row lock below serializes it like
      // any other.
      // Asynchronous commit for this transaction only: it holds the queues' row locks until it commits,
      // so waiting for the WAL flush there would serialize every lease of a limited queue behind one disk
      // flush each (measured: a max_concurrency that never binds at a quarter of an uncontrolled queue's
      // throughput). A lease is the one write that may be lost: after a PostgreSQL crash, leases of the
      // last moments before it are forgotten and their jobs run again (at-least-once, as after any
      // expiry). Acks, enqueues and settings are committed in their own, durable, transactions.
      const [, ensured] = await Promise.all([tx`select set_config('synchronous_commit', 'off', true)`, ensureSettings(tx, queues)])
      if (ensured.count > 0) invalidate()
      const settings = await lockSettings(tx, queues)
      // One clock for the whole transaction, read AFTER the locks were granted: the previous holder
      // committed before, so its leases' leased_at and its window are never later than ours (a clock
      // read at transaction start could be earlier than the last holder's, and reopen a past window).
      const now = input.now ?? (await clockAfterLock(tx))
      const out: LeaseRow[] = []
      let left = maxJobs
      for (const queue of queues) {
        if (left <= 0) break
        const s = settings.find((r) => r.name === queue)
        if (s?.paused) continue
        let room = left
        if (s && s.max_concurrency !== null) {
          const live = (await liveLeases(tx, queue, now))[0]?.n ?? 0
          room = Math.min(room, s.max_concurrency - live)
        }
        let window: { start: Date; used: number } | undefined
        if (s && s.rate_limit !== null && s.rate_period_ms !== null) {
          const start = Math.floor(now.getTime() / s.rate_period_ms) * s.rate_period_ms
          const used = s.window_start !== null && s.window_start.getTime() >= start ? s.window_count : 0
          window = { start: new Date(start), used }
          room = Math.min(room, s.rate_limit - used)
        }
        if (room <= 0) continue
        const keyLimit = s?.key_concurrency ?? DEFAULT_KEY_CONCURRENCY
        const rows = await leaseWithinKeys(tx, { ...input, now, queues: [queue], maxJobs: room, controlled: true, keyLimit })
        if (window && rows.length > 0) await recordWindow(tx, queue, window.start, window.used + rows.length)
        out.push(...rows)
        left -= rows.length
      }
      return out
    }) as Promise<ReadonlyArray<LeaseRow>>
  const invalidate = () => void (cached = undefined)
  const sawControlled = (names: ReadonlyArray<string>) => {
    if (cached && names.some((n) => !cached!.names.has(n))) cached = undefined
  }
  return { controlled, invalidate, sawControlled, leaseControlled }
}

const perPool = new WeakMap<postgres.Sql, FlowControl>()
/** The one flow control of a pool, shared by its job store and its queue store (a settings change here invalidates at once). */
export const flowControlOf = (sql: postgres.Sql): FlowControl => {
  let flow = perPool.get(sql)
  if (!flow) perPool.set(sql, (flow = makeFlowControl(sql)))
  return flow
}

/** Lease order across the two paths: priority desc, run_at, id. */
export const inLeaseOrder = (rows: ReadonlyArray<LeaseRow>): ReadonlyArray<LeaseRow> =>
  [...rows].sort((a, b) => b.priority - a.priority || Number(a.run_at_ms) - Number(b.run_at_ms) || Number(a.id) - Number(b.id))
