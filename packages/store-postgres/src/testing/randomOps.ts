import { Effect } from "effect"
import type { LeasedJob } from "@leasehold/contracts"
import type { JobStoreShape, StoreError, WorkflowStoreShape } from "@leasehold/core"

/** Expected refusals under a random workload: someone else got there first. */
const EXPECTED = new Set(["LeaseLost", "NotFound", "InvalidTransition"])

/** A small seeded PRNG (mulberry32), so a failing run can be replayed from its printed seed. */
export const seededRandom = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = a
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** What a random workload may do; prune is left out where a test compares throughput with the rows. */
export interface RandomOpsOptions {
  readonly queues: ReadonlyArray<string>
  readonly types: ReadonlyArray<string>
  readonly prune: boolean
  readonly until: number
  readonly random: () => number
  /** When given, the workload also creates small workflows (chains: blocked jobs) and prunes whole ones. */
  readonly workflows?: WorkflowStoreShape | undefined
}

/**
 * One client's random workload until `until` (ms since epoch): enqueue, lease, ack (completed and
 * failed), complete, fail, release, renew, cancel, admin retry, bulk retry and cancel (by ids and by filter), rescue,
 * counter compaction, workflows (with `workflows`) and (optionally) prune steps.
 * Ids are shared through `ids` so clients act on each other's jobs. Resolves with the unexpected
 * failures (anything but the refusals a race explains).
 */
export const randomOps = async (store: JobStoreShape, worker: string, ids: number[], o: RandomOpsOptions): Promise<string[]> => {
  const unexpected: string[] = []
  const held: LeasedJob[] = []
  const pick = <A>(xs: ReadonlyArray<A>): A => xs[Math.floor(o.random() * xs.length)]!
  const go = async <A>(e: Effect.Effect<A, StoreError>): Promise<A | undefined> => {
    const r = await Effect.runPromise(Effect.result(e))
    if (r._tag === "Success") return r.success
    if (!EXPECTED.has(r.failure.reason)) unexpected.push(`${r.failure.reason}: ${r.failure.message}`)
    return undefined
  }
  const proof = (j: LeasedJob) => ({ id: j.id, workerId: worker, leaseToken: j.lease_token })
  while (Date.now() < o.until) {
    const dice = o.random()
    if (dice < 0.2) {
      const jobs = Array.from({ length: 1 + Math.floor(o.random() * 20) }, () => ({ type: pick(o.types), queue: pick(o.queues), payload: { n: 1 } }))
      const out = await go(store.jobEnqueueMany({ jobs }))
      out?.forEach((x) => ids.push(x.job.id))
    } else if (dice < 0.4) {
      const jobs = await go(store.jobLeaseAcquire({ workerId: worker, queues: o.queues, maxJobs: 1 + Math.floor(o.random() * 10), leaseSeconds: 30 }))
      held.push(...(jobs ?? []))
    } else if (dice < 0.55 && held.length > 0) {
      const batch = held.splice(0, 1 + Math.floor(o.random() * held.length))
      const items = batch.map((j) =>
        o.random() < 0.7
          ? { jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const, result: { ok: true } }
          : { jobId: j.id, leaseToken: j.lease_token, outcome: "failed" as const, error: { message: "boom" }, retryable: o.random() < 0.5, retryInMs: 0 }
      )
      await go(store.leaseAckMany({ workerId: worker, items }))
    } else if (dice < 0.62 && held.length > 0) {
      const j = held.shift()!
      const r = o.random()
      if (r < 0.4) await go(store.jobCompleteIfLeased({ ...proof(j), result: 1 }))
      else if (r < 0.8) await go(store.jobFailIfLeased({ ...proof(j), error: { message: "x" }, retryable: o.random() < 0.5, retryInMs: 0 }))
      else await go(store.jobReleaseIfLeased(proof(j)))
    } else if (dice < 0.66 && held.length > 0) {
      await go(store.leaseRenewMany({ workerId: worker, items: held.map((j) => ({ jobId: j.id, leaseToken: j.lease_token })) }))
    } else if (dice < 0.76 && ids.length > 0) {
      await go(store.jobCancel({ id: pick(ids) }))
    } else if (dice < 0.86 && ids.length > 0) {
      await go(store.jobRetry({ id: pick(ids) }))
    } else if (dice < 0.89) {
      await go(store.jobRescueExpired({ limit: 50, now: new Date(Date.now() + 60_000) }))
    } else if (dice < 0.95 && o.prune && ids.length > 0) {
      await go(store.jobPruneFinishedStep({ before: new Date(Date.now() + 86_400_000), afterId: pick(ids) - 1, limit: 1 + Math.floor(o.random() * 200) }))
    } else if (dice < 0.97) {
      await go(store.countersCompact({}))
    } else if (dice < 0.98 && ids.length > 0) {
      const some = Array.from({ length: 1 + Math.floor(o.random() * 20) }, () => pick(ids))
      await go(o.random() < 0.5 ? store.jobRetryMany({ ids: some }) : store.jobCancelMany({ ids: some }))
    } else if (dice < 0.985) {
      const queue = pick(o.queues)
      await go(o.random() < 0.5 ? store.jobRetryMatching({ filter: { queue, status: "failed" } }) : store.jobCancelMatching({ filter: { queue, type: pick(o.types), status: "retrying" } }))
    } else if (dice < 0.995 && o.workflows) {
      const n = 2 + Math.floor(o.random() * 4)
      const jobs = Array.from({ length: n }, (_, k) => ({ key: `k${k}`, type: pick(o.types), queue: pick(o.queues), dependsOn: k === 0 ? [] : [`k${k - 1}`] }))
      const out = await go(o.workflows.workflowCreate({ jobs }))
      out?.workflow.jobs?.forEach((j) => ids.push(j.job_id))
    } else if (dice < 0.998 && o.workflows && o.prune) {
      await go(store.workflowPruneFinished({ before: new Date(Date.now() + 86_400_000), limit: 2 }))
    }
  }
  return unexpected
}
