import type { LeasedJob } from "@leasehold/contracts"
import type { BackoffOptions } from "./backoff.ts"
import type { Handlers, WorkerLogger } from "./Handler.ts"
import type { PrefetchSetting } from "./Prefetch.ts"
import type { BufferedStatus } from "./PrefetchBuffer.ts"
import type { SlotState } from "./SlotMachine.ts"

/** Everything observable about a pool's work, for listeners (`job:started`, `job:completed`, ...). */
export type PoolEvent =
  | { readonly type: "job:started"; readonly job: LeasedJob }
  | { readonly type: "job:completed"; readonly job: LeasedJob; readonly result: unknown }
  | {
      readonly type: "job:failed"
      readonly job: LeasedJob
      readonly error: { readonly message: string; readonly stack?: string | undefined }
    }
  | { readonly type: "lease:lost"; readonly job: LeasedJob; readonly during: "renew" | "ack" | "release" }
  | { readonly type: "job:released"; readonly job: LeasedJob }
  | { readonly type: "slot:crashed"; readonly slot: number; readonly error: unknown }

/** Settings of one worker pool. */
export interface WorkerPoolConfig {
  readonly workerId: string
  readonly handlers: Handlers
  /** Number of slots (jobs run at once). */
  readonly concurrency: number
  /** Queues to lease from; default `["default"]`. */
  readonly queues?: ReadonlyArray<string> | undefined
  /** Lease duration asked for; the master's default when absent. */
  readonly leaseSeconds?: number | undefined
  /** Renew at this fraction of the lease duration; the master's `renew_after` hint when absent. */
  readonly renewAt?: number | undefined
  /** How long running jobs may finish after `stop()` before they are aborted and released. */
  readonly shutdownTimeoutMs?: number | undefined
  /** Long-poll duration of each lease call. */
  readonly waitMs?: number | undefined
  /** Batch size asked for when a lease carves scan ranges. */
  readonly requestedBatchSize?: number | undefined
  /**
   * Leased jobs kept beside the slots (SPEC "Prefetch"): `"auto"` (default) sizes the buffer from the
   * measured round trip and job time, 0 leases only for free slots, N fixes the buffer.
   */
  readonly prefetch?: PrefetchSetting | undefined
  /** Lease calls allowed in flight at once, each for different free slots. */
  readonly maxLeasesInFlight?: number | undefined
  /**
   * Outcomes ride on the next lease call (`acks`); those no lease call takes within this window go
   * alone, together, in one `POST /leases/ack`.
   */
  readonly ackWindowMs?: number | undefined
  readonly backoff?: BackoffOptions | undefined
  readonly logger?: WorkerLogger | undefined
  readonly onEvent?: ((event: PoolEvent) => void) | undefined
  /** Observation hook called on every slot state entered (tests use it to crash a slot). */
  readonly onSlotState?: ((slot: number, state: SlotState) => void) | undefined
}

/** 10 s long-polls: an idle worker costs the master one request per 10 s. */
export const DEFAULT_WAIT_MS = 10_000
/**
 * 10 ms: measured against 2 ms (probe, c=8), it halves the ack calls (mean batch 31 vs 12 items), which
 * lowers the master's load and so the lease round trip; an outcome reaching the master 8 ms later
 * delays nothing a handler or a producer waits for.
 */
export const DEFAULT_ACK_WINDOW_MS = 10
/** Shutdown lets running jobs finish for 30 s before releasing them. */
export const DEFAULT_SHUTDOWN_TIMEOUT_MS = 30_000

/** A snapshot of the pool for `status()` and progress lines. */
export interface PoolStatus {
  readonly workerId: string
  readonly state: "created" | "running" | "stopping" | "stopped"
  readonly concurrency: number
  readonly inFlight: number
  readonly slots: ReadonlyArray<{ readonly slot: number; readonly state: string; readonly jobId: number | null }>
  /** Prefetched jobs waiting for a slot, oldest first. */
  readonly buffered: ReadonlyArray<BufferedStatus>
  /** The prefetch setting, the buffer it aims for now, and the measurements behind it (NaN until measured). */
  readonly prefetch: {
    readonly setting: PrefetchSetting
    readonly target: number
    /** The last lease answer was short: the buffer keeps only what the slots drain within a round trip. */
    readonly scarce: boolean
    readonly rttMs: number
    readonly jobMs: number
  }
  readonly counts: {
    readonly started: number
    readonly completed: number
    readonly failed: number
    readonly lost: number
    readonly released: number
    readonly crashed: number
    /** Jobs that went through the prefetch buffer (started from it, or released from it unstarted). */
    readonly prefetched: number
  }
}
