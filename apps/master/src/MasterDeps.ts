import type { JobStoreShape, QueueStoreShape, WorkflowStoreShape } from "@leasehold/core"
import type { MasterConfig } from "./config.ts"
import type { LeasedJob } from "@leasehold/contracts"
import type { ClientLiveness } from "./http/clientLiveness.ts"
import type { Logger } from "./http/Logger.ts"
import type { LeaseWaiters } from "./longPoll/LeaseWaiters.ts"
import type { Metrics } from "./metrics/Metrics.ts"
import type { WorkerRegistry } from "./registry/WorkerRegistry.ts"

/** What every route needs, built once per master. */
export interface MasterDeps {
  readonly store: JobStoreShape
  /** Workflows (absent in benches that stub the store: the routes then answer 404). */
  readonly workflows?: WorkflowStoreShape
  /** Queue settings (pause, limits); the /queues routes are mounted only when present. */
  readonly queues?: QueueStoreShape
  readonly config: MasterConfig
  readonly log: Logger
  readonly metrics: Metrics
  readonly waiters: LeaseWaiters
  readonly workers: WorkerRegistry
  /** Resolves when the database answers; rejects (with a StoreError) when it does not. */
  readonly ping: () => Promise<void>
  /** Test seams; absent in production. */
  readonly seams?: MasterSeams
}

/** Points where a test can act at an exact moment of a request (absent in production). */
export interface MasterSeams {
  /** Between the lease statement's result and the answer (a test disconnects the client here). */
  readonly afterLease?: (jobs: ReadonlyArray<LeasedJob>, client: ClientLiveness) => Promise<void>
}
