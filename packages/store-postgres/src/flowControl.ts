import { randomUUID } from "node:crypto"
import type postgres from "postgres"
import type { LeaseRow } from "./rows.ts"
import { pipelinedTransaction } from "./pipelinedTransaction.ts"
import { leaseJobs, splitLease, type LeaseInput, type RawLease } from "./queries/lease.ts"
import { controllingQueues, lockSettings, markCommitted, prepareSettings } from "./queries/queues.ts"

/**
 * How long this store trusts its list of controlled queues. Only long-poll waits read it (to re-check
 * a held-back queue every FLOW_REPOLL_MS); a lease learns which requested queues are controlled from its
 * own statement, so a stale list never touches a limit.
 */
const CONTROLLED_CACHE_MS = 1000

/** Queues remembered as recently controlled, at most (past it the memory starts over: a bound, not a tuning). */
const SEEN_MAX = 10_000

/**
 * How often a long-poll held back by a pause or a full limit re-checks (SPEC: room freed by an ack,
 * fail, release or cancel wakes it within 500 ms; a resume or a settings change NOTIFYs at once).
 */
export const FLOW_REPOLL_MS = 200

/** SPEC: jobs sharing a concurrency_key run one at a time unless the queue's key_concurrency says more. */
export const DEFAULT_KEY_CONCURRENCY = 1

/**
 * Rounds of the controlled lease per call. A round leases at least one job from each queue it takes up
 * again, and after a round every key that held a candidate back is full, so one round is the common
 * case and two the keyed worst; the cap only bounds a pathological one (the next lease call goes on
 * where this one stopped).
 */
const ROUNDS_MAX = 16

/**
 * One round: ONE pipelined transaction (one round trip) that leases from each queue within its room.
 * Statements, run by the server in order: synchronous_commit off for this transaction and the missing
 * settings rows created (a queue controlled only by its keyed jobs may have none yet: created BEFORE
 * the lock, so the lock serializes it like any other); the settings rows locked FOR UPDATE in name order
 * (no deadlock between two leasers of overlapping sets); then one lease statement per queue, which reads
 * its clock, room and key limit from the locked row and records its rate window itself
 * (queries/controlledLease.ts). In READ COMMITTED each of them takes a fresh snapshot when it starts,
 * after the lock statement completed: it sees every lease committed by the previous holder of the lock,
 * so the room it computes is exact. Asynchronous commit: the transaction holds the row locks until it
 * commits, and waiting for the WAL flush there would serialize every lease of a limited queue behind a
 * disk flush each (measured: a max_concurrency that never binds at a quarter of an uncontrolled
 * queue's throughput). A lease is the one write that may be lost: after a PostgreSQL crash, leases of
 * the last moments before it are forgotten and their jobs run again (at-least-once, as after any
 * expiry). Acks, enqueues and settings are committed in their own, durable, transactions.
 */
const leaseRound = async <T>(sql: postgres.Sql, input: LeaseInput, queues: ReadonlyArray<string>, maxJobs: number, before?: Before<T>) => {
  const mark = before ? randomUUID() : undefined
  const out = await pipelinedTransaction<ReadonlyArray<unknown>>(sql, (tx) => [
    ...(before ? [before(tx), markCommitted(tx, mark!), tx`commit`, tx`begin`] : []),
    prepareSettings(tx, queues, mark),
    lockSettings(tx, queues),
    ...queues.map((queue, i) =>
      leaseJobs(tx, {
        ...input,
        queues: [queue],
        maxJobs,
        controlled: true,
        flow: { queue, defaultKeyLimit: DEFAULT_KEY_CONCURRENCY, afterOthers: i > 0, passOn: i < queues.length - 1 }
      })
    )
  ])
  const rest = before ? out.slice(4) : out
  return { before: (before ? out[0] : undefined) as T, created: (rest[0] as Array<{ created: number }>)[0]?.created ?? 0, leases: rest.slice(2) as RawLease[] }
}

/**
 * A statement run ahead of a controlled lease in the same round trip, in a transaction of its own that
 * commits durably before the lease's begins (the acks a lease carries). When it does not commit, the
 * lease's transaction fails at its first statement (see `prepareSettings`): nothing is leased.
 */
export type Before<T> = (tx: postgres.Sql) => PromiseLike<T>

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
  /**
   * Every one of these queues was found controlled by a lease statement of this pool in the last
   * CONTROLLED_CACHE_MS: a lease may go straight to `leaseControlled`, without the common statement
   * that would only name them controlled again (one round trip less). A belief gone stale costs only
   * speed: `leaseControlled` applies whatever settings the row holds, none included.
   */
  readonly recentlyControlled: (queues: ReadonlyArray<string>) => boolean
  /** Leases up to maxJobs from these controlled queues, each within the room its settings leave. */
  readonly leaseControlled: (input: LeaseInput, queues: ReadonlyArray<string>, maxJobs: number) => Promise<ReadonlyArray<LeaseRow>>
  /** `leaseControlled` with `before` committed first, in the same round trip (see `Before`). */
  readonly leaseControlledAfter: <T>(before: Before<T>, input: LeaseInput, queues: ReadonlyArray<string>, maxJobs: number) => Promise<{ readonly before: T; readonly rows: ReadonlyArray<LeaseRow> }>
}

/**
 * Builds the flow control of one store. Exactness across masters: every lease on a controlled queue
 * locks its settings row FOR UPDATE first, then counts and leases in later statements of the same
 * transaction, whose fresh snapshots see every lease committed before the lock was granted (see `leaseRound`).
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
  const leaseControlledAfter = async <T>(before: Before<T> | undefined, input: LeaseInput, queues: ReadonlyArray<string>, maxJobs: number) => {
    const out: LeaseRow[] = []
    let first: T | undefined
    let pending = queues
    for (let round = 0; round < ROUNDS_MAX && pending.length > 0 && out.length < maxJobs; round++) {
      const r = await leaseRound(sql, input, pending, maxJobs - out.length, round === 0 ? before : undefined)
      if (round === 0) first = r.before
      // A queue controlled only by its keyed jobs got its settings row: the cached list may lack it.
      if (r.created > 0) cached = undefined
      const again: string[] = []
      r.leases.forEach((raw, i) => {
        const { rows } = splitLease(raw)
        out.push(...rows)
        // A statement may pass over a candidate only because another of its key came first in the same
        // batch: a new round (a new transaction, which sees the leases just committed) takes the next ones.
        if (rows.length > 0 && ((raw as RawLease & { held?: number }[])[0]?.held ?? 0) > 0) again.push(pending[i]!)
      })
      pending = again
    }
    return { before: first as T, rows: out }
  }
  const leaseControlled: FlowControl["leaseControlled"] = async (input, queues, maxJobs) =>
    (await leaseControlledAfter(undefined, input, queues, maxJobs)).rows
  /** When a lease statement last found each queue controlled (ms). */
  const seen = new Map<string, number>()
  const invalidate = () => {
    cached = undefined
    seen.clear()
  }
  const sawControlled = (names: ReadonlyArray<string>) => {
    if (cached && names.some((n) => !cached!.names.has(n))) cached = undefined
    if (seen.size > SEEN_MAX) seen.clear()
    const at = Date.now()
    for (const n of names) seen.set(n, at)
  }
  const recentlyControlled = (queues: ReadonlyArray<string>) => {
    const since = Date.now() - CONTROLLED_CACHE_MS
    return queues.every((q) => (seen.get(q) ?? 0) > since)
  }
  return { controlled, invalidate, sawControlled, recentlyControlled, leaseControlled, leaseControlledAfter }
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
