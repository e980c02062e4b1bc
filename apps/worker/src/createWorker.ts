import { EventEmitter } from "node:events"
import type { LeasedJob } from "@leasehold/contracts"
import {
  MasterClient,
  WorkerPool,
  silentLogger,
  type Handlers,
  type MasterClientShape,
  type PoolEvent,
  type PoolStatus,
  type PrefetchSetting,
  type WorkerLogger
} from "@leasehold/core"
import { Effect } from "effect"
import { defaultWorkerId } from "./config.ts"
import { makeHttpMasterClient } from "./HttpMasterClient.ts"

/** Options of `createWorker`; only `master` and `handlers` are required. */
export interface WorkerOptions {
  /** Base URL of the master (or a ready `MasterClient` implementation). */
  readonly master: string | MasterClientShape
  /** Job type -> `async (job, ctx) => result`. Only these types are leased. */
  readonly handlers: Handlers
  readonly concurrency?: number | undefined
  readonly queues?: ReadonlyArray<string> | undefined
  readonly leaseSeconds?: number | undefined
  readonly renewAt?: number | undefined
  readonly shutdownTimeoutMs?: number | undefined
  readonly workerId?: string | undefined
  readonly token?: string | undefined
  /** `requested_batch_size` for scan batches. */
  readonly batchSize?: number | undefined
  readonly waitMs?: number | undefined
  /** Jobs leased ahead of free slots: `"auto"` (default), 0 or N (SPEC "Prefetch"). */
  readonly prefetch?: PrefetchSetting | undefined
  readonly logger?: WorkerLogger | undefined
}

/** Listener signatures of the worker's events. */
export interface WorkerEvents {
  "job:started": [job: LeasedJob]
  "job:completed": [job: LeasedJob, result: unknown]
  "job:failed": [job: LeasedJob, error: { message: string; stack?: string | undefined }]
  "lease:lost": [job: LeasedJob, during: "renew" | "ack" | "release"]
  "job:released": [job: LeasedJob]
  "slot:crashed": [slot: number, error: unknown]
}

/** A worker: a supervised pool of slots leasing from one master. */
export interface Worker extends EventEmitter<WorkerEvents> {
  readonly workerId: string
  /** Starts leasing. */
  start(): Promise<void>
  /** Graceful stop: no new leases, running jobs finish within the shutdown timeout, the rest are released. */
  stop(): Promise<void>
  status(): PoolStatus
}

const toEmitter = (emitter: EventEmitter<WorkerEvents>) => (event: PoolEvent) => {
  switch (event.type) {
    case "job:started":
      return emitter.emit("job:started", event.job)
    case "job:completed":
      return emitter.emit("job:completed", event.job, event.result)
    case "job:failed":
      return emitter.emit("job:failed", event.job, event.error)
    case "lease:lost":
      return emitter.emit("lease:lost", event.job, event.during)
    case "job:released":
      return emitter.emit("job:released", event.job)
    case "slot:crashed":
      return emitter.emit("slot:crashed", event.slot, event.error)
  }
}

/** Builds a worker (not started): `createWorker({ master, handlers, concurrency })`. */
export const createWorker = (options: WorkerOptions): Worker => {
  if (Object.keys(options.handlers).length === 0) throw new Error("createWorker: no handlers given")
  const workerId = options.workerId ?? defaultWorkerId()
  const client =
    typeof options.master === "string" ? makeHttpMasterClient({ url: options.master, token: options.token }) : options.master
  const emitter = new EventEmitter<WorkerEvents>()
  const pool = Effect.runSync(
    WorkerPool.make({
      workerId,
      handlers: options.handlers,
      concurrency: options.concurrency ?? 8,
      queues: options.queues,
      leaseSeconds: options.leaseSeconds,
      renewAt: options.renewAt,
      shutdownTimeoutMs: options.shutdownTimeoutMs,
      requestedBatchSize: options.batchSize,
      waitMs: options.waitMs,
      prefetch: options.prefetch,
      logger: options.logger ?? silentLogger,
      onEvent: toEmitter(emitter)
    }).pipe(Effect.provideService(MasterClient, client))
  )
  return Object.assign(emitter, {
    workerId,
    start: async () => pool.start(),
    stop: () => pool.stop(),
    status: () => pool.status()
  })
}
