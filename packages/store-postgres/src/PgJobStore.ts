import { Effect, Layer } from "effect"
import type postgres from "postgres"
import { DEFAULT_MAX_BATCH_SIZE } from "@leasehold/contracts"
import { JobStore, WorkflowStore, type JobStoreShape, type QueueStoreShape, type WorkflowStoreShape } from "@leasehold/core"
import { makeBulkOps } from "./makeBulkOps.ts"
import { makeJobOps } from "./makeJobOps.ts"
import { makeReadOps } from "./makeReadOps.ts"
import { makeWorkflowOps } from "./makeWorkflowOps.ts"
import { makeScanOps } from "./makeScanOps.ts"
import { makeStatsOps } from "./makeStatsOps.ts"
import { makeQueueOps } from "./makeQueueOps.ts"
import { FLOW_REPOLL_MS, flowControlOf } from "./flowControl.ts"

/** Options of the PostgreSQL store. */
export interface PgJobStoreOptions {
  readonly sql: postgres.Sql
  /**
   * Pool for operator reads (job lists, stats, throughput, leases, workers, scans); default `sql`. Give it
   * its own small pool with a statement timeout (`connect(url, { statementTimeoutMs })`) so a slow ad-hoc
   * read can neither run long nor take a connection the lease path needs.
   */
  readonly readSql?: postgres.Sql
  /** Retry backoff base (SPEC default 1 s). */
  readonly retryBaseMs?: number
  /** Retry backoff cap (SPEC default 1 h). */
  readonly retryCapMs?: number
  /** Largest carved batch when the leased queues have no scan (SPEC default 1,000,000). */
  readonly serverMaxBatchSize?: number
}

/** The PostgreSQL implementation of the JobStore port over an existing pool (migrated beforehand). */
export const makePgJobStore = (options: PgJobStoreOptions): JobStoreShape => {
  const settings = {
    sql: options.sql,
    readSql: options.readSql ?? options.sql,
    backoff: { baseMs: options.retryBaseMs ?? 1_000, capMs: options.retryCapMs ?? 3_600_000 },
    serverMaxBatchSize: options.serverMaxBatchSize ?? DEFAULT_MAX_BATCH_SIZE,
    flow: flowControlOf(options.sql)
  }
  const reads: JobStoreShape = { ...makeJobOps(settings), ...makeReadOps(settings), ...makeScanOps(settings), ...makeStatsOps(settings), ...makeBulkOps(settings) }
  return {
    ...reads,
    // A long-poll held back by a pause or a full limit re-checks every FLOW_REPOLL_MS: room freed by an
    // ack, a fail or a release sends no notification.
    jobNextLeasableAt: (p) =>
      Effect.flatMap(reads.jobNextLeasableAt(p), (at) =>
        Effect.map(
          Effect.tryPromise({ try: () => settings.flow.controlled(), catch: () => new Set<string>() }).pipe(Effect.orElseSucceed(() => new Set<string>())),
          (names) => {
            if (!p.queues.some((q) => names.has(q))) return at
            const nowMs = (p.now ?? new Date()).getTime()
            const soon = new Date(nowMs + FLOW_REPOLL_MS)
            return at !== null && at.getTime() > nowMs && at < soon ? at : soon
          }
        )
      )
  }
}

/** The PostgreSQL implementation of the QueueStore port (settings; the job store's lease enforces them). */
export const makePgQueueStore = (options: Pick<PgJobStoreOptions, "sql">): QueueStoreShape => makeQueueOps(options.sql, flowControlOf(options.sql))

/** The PostgreSQL implementation of the WorkflowStore port (unblocking itself lives in the job store's writes). */
export const makePgWorkflowStore = (options: Pick<PgJobStoreOptions, "sql">): WorkflowStoreShape => makeWorkflowOps(options.sql)

/** Effect wiring of the store. */
export const PgJobStore = {
  /** Provides JobStore from a pool the caller owns (and closes). */
  layer: (options: PgJobStoreOptions): Layer.Layer<JobStore> => Layer.succeed(JobStore, makePgJobStore(options)),
  /** Provides WorkflowStore from a pool the caller owns. */
  layerWorkflows: (options: Pick<PgJobStoreOptions, "sql">): Layer.Layer<WorkflowStore> =>
    Layer.succeed(WorkflowStore, makePgWorkflowStore(options))
}
