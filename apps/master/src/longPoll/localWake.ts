import { Effect } from "effect"
import type { Job } from "@leasehold/contracts"
import type { EnqueueOutcome, JobStoreShape } from "@leasehold/core"
import type { LeaseWaiters } from "./LeaseWaiters.ts"

/**
 * The store with its job-making writes (enqueue, release, retry) waking this master's long-polls as
 * soon as the write has committed, instead of after the NOTIFY round trip through PostgreSQL. The
 * statements still NOTIFY, which wakes the other masters (and these waiters once more: a spare lease
 * attempt at worst). Same queues as the NOTIFY: every queue that got a new job, delayed or not.
 */
export const withLocalWake = (store: JobStoreShape, waiters: Pick<LeaseWaiters, "notify">): JobStoreShape => {
  const wakeOne = (o: EnqueueOutcome) => {
    if (!o.duplicate) waiters.notify(o.job.queue)
    return o
  }
  const wakeMany = (outs: ReadonlyArray<EnqueueOutcome>) => {
    let last: string | undefined
    for (const o of outs) {
      if (o.duplicate || o.job.queue === last) continue
      last = o.job.queue
      waiters.notify(last)
    }
    return outs
  }
  const wakeJob = (job: Job) => {
    if (job.status === "pending") waiters.notify(job.queue)
    return job
  }
  return {
    ...store,
    jobEnqueue: (p) => Effect.map(store.jobEnqueue(p), wakeOne),
    jobEnqueueMany: (p) => Effect.map(store.jobEnqueueMany(p), wakeMany),
    jobReleaseIfLeased: (p) => Effect.map(store.jobReleaseIfLeased(p), wakeJob),
    jobRetry: (p) => Effect.map(store.jobRetry(p), wakeJob)
  }
}
