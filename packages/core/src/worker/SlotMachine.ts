import type { LeasedJob } from "@leasehold/contracts"
import { assign, setup } from "xstate"
import type { Outcome } from "./Handler.ts"

/**
 * One slot of the pool: at most one job at a time. The job and its outcome travel on the events
 * (ASSIGN, HANDLER_DONE) and are kept by the pool, not copied into the context: the hot path
 * (idle -> leasing -> running -> reporting -> idle) runs no `assign`.
 */
export interface SlotContext {
  readonly slot: number
  /** The lease was lost while running: the handler's result is dropped, nothing is reported. */
  readonly lost: boolean
  /** Shutdown was asked: the slot ends in `stopped` instead of `idle`. */
  readonly stopping: boolean
}

/** Events the pool sends to a slot. */
export type SlotEvent =
  | { readonly type: "RESERVE" }
  | { readonly type: "UNRESERVE" }
  | { readonly type: "ASSIGN"; readonly job: LeasedJob }
  /** A job from the pool's prefetch buffer: an idle slot starts it at once, no lease call to wait for. */
  | { readonly type: "START"; readonly job: LeasedJob }
  | { readonly type: "LEASE_LOST" }
  | { readonly type: "HANDLER_DONE"; readonly outcome: Outcome }
  | { readonly type: "RELEASED" }
  | { readonly type: "STOP" }
  | { readonly type: "SHUTDOWN_TIMEOUT" }

/** Names of the slot's states, as the pool observes them. */
export type SlotState = "idle" | "leasing" | "running" | "reporting" | "stopping" | "stopped"

const notProvided = (name: string) => () => {
  throw new Error(`slot machine: ${name} not provided`)
}

/**
 * The lifecycle of one worker slot: idle -> leasing -> running -> reporting -> idle, and
 * stopping (releasing the job after the shutdown timeout) -> stopped. The machine holds no
 * timers and does no IO: the pool provides the actions; the handler runs outside the machine
 * (no child actor per job, which costs more than a no-op job) and answers HANDLER_DONE.
 *
 * A leased job costs three events (RESERVE, ASSIGN, HANDLER_DONE), a prefetched one two (START,
 * HANDLER_DONE): `report` hands the outcome to the
 * ack batcher synchronously, so `reporting` moves on to `idle` by itself (the pool tracks the
 * pending ack). Each hot state has one entry action, which also tells the `entered` observer.
 */
export const SlotMachine = setup({
  types: {
    context: {} as SlotContext,
    input: {} as { readonly slot: number },
    events: {} as SlotEvent
  },
  actions: {
    /** Entry of `idle`: the slot can take a job; wake the lease loop. */
    slotFree: notProvided("slotFree"),
    /** Entry of `running` (the event is ASSIGN or START): arm the job's abort signal and renewal, run its handler; its outcome comes back as HANDLER_DONE. */
    jobStarted: notProvided("jobStarted"),
    /** Fire the handler's AbortSignal. */
    abortHandler: notProvided("abortHandler"),
    /** Entry of `reporting` (the event is HANDLER_DONE): hand the outcome to the ack batcher, stop renewing, forget the job. */
    report: notProvided("report"),
    /** Give the job back to the master; it answers RELEASED. */
    release: notProvided("release"),
    /** Stop renewing and forget the job (nothing to report). */
    jobDone: notProvided("jobDone"),
    /** Observation hook for the states whose entry has no action of its own (the pool reports the others from theirs). */
    entered: (_, _params: { readonly state: SlotState }) => {}
  },
  guards: {
    stopping: ({ context }) => context.stopping,
    lost: ({ context }) => context.lost
  }
}).createMachine({
  id: "slot",
  context: ({ input }) => ({ slot: input.slot, lost: false, stopping: false }),
  initial: "idle",
  states: {
    idle: {
      entry: "slotFree",
      on: {
        RESERVE: { target: "leasing" },
        START: { target: "running" },
        STOP: { target: "stopped", actions: assign({ stopping: true }) }
      }
    },
    leasing: {
      entry: { type: "entered", params: { state: "leasing" } },
      on: {
        ASSIGN: { target: "running" },
        UNRESERVE: [{ target: "stopped", guard: "stopping" }, { target: "idle" }],
        STOP: { actions: assign({ stopping: true }) }
      }
    },
    running: {
      entry: "jobStarted",
      on: {
        HANDLER_DONE: [{ target: "lost", guard: "lost" }, { target: "reporting" }],
        LEASE_LOST: { actions: [assign({ lost: true }), "abortHandler"] },
        STOP: { actions: assign({ stopping: true }) },
        SHUTDOWN_TIMEOUT: { target: "stopping", actions: "abortHandler" }
      }
    },
    reporting: {
      entry: "report",
      always: [{ target: "stopped", guard: "stopping" }, { target: "idle" }]
    },
    /** The lease was lost while running: drop the result, report nothing. */
    lost: {
      entry: "jobDone",
      always: [{ target: "stopped", guard: "stopping" }, { target: "idle", actions: assign({ lost: false }) }]
    },
    stopping: {
      entry: [{ type: "entered", params: { state: "stopping" } }, "release"],
      on: { RELEASED: { target: "stopped" } }
    },
    stopped: {
      entry: [{ type: "entered", params: { state: "stopped" } }, "jobDone"],
      type: "final"
    }
  }
})
