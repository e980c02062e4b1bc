import { assign, getNextSnapshot, setup } from "xstate"
import type { JobStatus } from "@leasehold/contracts"

/** What the lifecycle needs to know about a job besides its status. */
export interface JobMachineContext {
  readonly attempts: number
  readonly maxAttempts: number
}

/** Every lifecycle event; `leaseExpired` marks a lease taken over from an expired holder. */
export type JobMachineEvent =
  | { readonly type: "LEASE"; readonly leaseExpired?: boolean }
  | { readonly type: "COMPLETE" }
  | { readonly type: "FAIL"; readonly retryable: boolean }
  | { readonly type: "LEASE_EXPIRED" }
  | { readonly type: "RELEASE" }
  | { readonly type: "CANCEL" }
  | { readonly type: "RETRY" }
  | { readonly type: "DEPENDENCIES_MET" }
  | { readonly type: "DEPENDENCY_FAILED" }
  | { readonly type: "REOPEN" }

/** The event names, for tables and generators. */
export const JOB_EVENT_TYPES: ReadonlyArray<JobMachineEvent["type"]> = [
  "LEASE",
  "COMPLETE",
  "FAIL",
  "LEASE_EXPIRED",
  "RELEASE",
  "CANCEL",
  "RETRY",
  "DEPENDENCIES_MET",
  "DEPENDENCY_FAILED",
  "REOPEN"
]

const attemptsLeft = (context: JobMachineContext) => context.attempts < context.maxAttempts

/**
 * The job lifecycle of SPEC.md; pure (no timers, no IO), the oracle every store agrees with. A workflow job
 * with dependencies starts `blocked`; DEPENDENCY_FAILED is what a failed or cancelled dependency sends under
 * `on_dependency_failure: cancel` (under `run` a finished dependency counts as met instead); REOPEN is a
 * workflow retry (or the retry of a dependency) bringing a failed or cancelled job back while it still waits.
 */
export const JobMachine = setup({
  types: {
    context: {} as JobMachineContext,
    events: {} as JobMachineEvent,
    input: {} as JobMachineContext
  },
  guards: {
    attemptsLeft: ({ context }) => attemptsLeft(context),
    expiredWithAttemptsLeft: ({ context, event }) =>
      event.type === "LEASE" && event.leaseExpired === true && attemptsLeft(context),
    retryableWithAttemptsLeft: ({ context, event }) =>
      event.type === "FAIL" && event.retryable && attemptsLeft(context)
  },
  actions: {
    countAttempt: assign({ attempts: ({ context }) => context.attempts + 1 }),
    takeBackAttempt: assign({ attempts: ({ context }) => Math.max(0, context.attempts - 1) }),
    resetAttempts: assign({ attempts: 0 })
  }
}).createMachine({
  id: "job",
  initial: "pending",
  context: ({ input }) => ({ attempts: input.attempts, maxAttempts: input.maxAttempts }),
  states: {
    blocked: {
      on: {
        DEPENDENCIES_MET: { target: "pending" },
        DEPENDENCY_FAILED: { target: "cancelled" },
        CANCEL: { target: "cancelled" }
      }
    },
    pending: {
      on: {
        LEASE: { target: "processing", actions: "countAttempt" },
        CANCEL: { target: "cancelled" }
      }
    },
    processing: {
      on: {
        LEASE: { guard: "expiredWithAttemptsLeft", target: "processing", reenter: true, actions: "countAttempt" },
        COMPLETE: { target: "completed" },
        FAIL: [{ guard: "retryableWithAttemptsLeft", target: "retrying" }, { target: "failed" }],
        LEASE_EXPIRED: [{ guard: "attemptsLeft", target: "retrying" }, { target: "failed" }],
        RELEASE: { target: "pending", actions: "takeBackAttempt" },
        CANCEL: { target: "cancelled" }
      }
    },
    retrying: {
      on: {
        LEASE: { target: "processing", actions: "countAttempt" },
        CANCEL: { target: "cancelled" },
        RETRY: { target: "pending", actions: "resetAttempts" }
      }
    },
    completed: { type: "final" },
    failed: {
      on: {
        RETRY: { target: "pending", actions: "resetAttempts" },
        REOPEN: { target: "blocked", actions: "resetAttempts" }
      }
    },
    cancelled: {
      on: {
        RETRY: { target: "pending", actions: "resetAttempts" },
        REOPEN: { target: "blocked", actions: "resetAttempts" }
      }
    }
  }
})

/** A job's lifecycle position: its status plus the attempt counter the machine maintains. */
export interface JobLifecycleState {
  readonly status: JobStatus
  readonly attempts: number
}

/** Applies one event to a job in `status`; null when the machine forbids it. */
export const nextJobState = (
  status: JobStatus,
  context: JobMachineContext,
  event: JobMachineEvent
): JobLifecycleState | null => {
  const snapshot = JobMachine.resolveState({ value: status, context: { ...context } })
  if (!snapshot.can(event)) return null
  const next = getNextSnapshot(JobMachine, snapshot, event)
  return { status: next.value as JobStatus, attempts: next.context.attempts }
}

/** The status after `event`, or null when the transition is illegal. */
export const nextStatus = (status: JobStatus, context: JobMachineContext, event: JobMachineEvent): JobStatus | null =>
  nextJobState(status, context, event)?.status ?? null
