import type { LeasedJob } from "@leasehold/contracts"
import type { JobStoreShape } from "../../JobStore.ts"
import type { NewWorkflowJob, WorkflowStoreShape } from "../../WorkflowStore.ts"
import { run, useHarness, type TestClock } from "./support.ts"

/** What a store under test hands the workflow suite: both ports over one database, and how to dispose of them. */
export interface WorkflowConformanceHarness {
  readonly store: JobStoreShape
  readonly workflows: WorkflowStoreShape
  readonly close: () => Promise<void>
}

/** Makes the stores for one describe block. */
export type MakeWorkflowStores = () => Promise<WorkflowConformanceHarness>

/** The harness bound to the enclosing describe block's lifecycle. */
export const useWorkflowStores = (make: MakeWorkflowStores): (() => WorkflowConformanceHarness) => useHarness(make)

/** A workflow job on `queue` of type "t". */
export const wfJob = (queue: string, key: string, ...dependsOn: Array<string>): NewWorkflowJob => ({ key, type: "t", queue, dependsOn })

/** Conveniences over both ports, every call at the clock's time. */
export const workflowHelpers = (h: () => WorkflowConformanceHarness, clock: TestClock) => ({
  lease: (queue: string, max = 100, workerId = "w-wf") =>
    run(h().store.jobLeaseAcquire({ workerId, queues: [queue], maxJobs: max, leaseSeconds: 60, now: clock.now() })),
  complete: (j: LeasedJob, result: unknown = null, workerId = "w-wf") =>
    run(h().store.jobCompleteIfLeased({ id: j.id, workerId, leaseToken: j.lease_token, result, now: clock.now() })),
  failHard: (j: LeasedJob, workerId = "w-wf") =>
    run(
      h().store.jobFailIfLeased({ id: j.id, workerId, leaseToken: j.lease_token, error: { message: "boom" }, retryable: false, now: clock.now() })
    ),
  statuses: async (id: number): Promise<Record<string, string>> =>
    Object.fromEntries((await run(h().workflows.workflowGet({ id }))).jobs.map((n) => [n.key, n.status])),
  ids: async (id: number): Promise<Record<string, number>> =>
    Object.fromEntries((await run(h().workflows.workflowGet({ id }))).jobs.map((n) => [n.key, n.job_id]))
})
