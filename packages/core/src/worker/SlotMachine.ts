import type { LeasedJob } from "@leasehold/contracts"
import { assign, setup } from "xstate"
import type { Outcome } from "./Handler.ts"

/**
 * One slot of the pool: at most one job at a time. The job and its outcome travel on the events
 * (ASSIGN, START, HANDLER_DONE) and are kept by the pool, not copied into the context: the hot path
 * runs no `assign`.
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
  /**
   * The handler settled. `next`: the pool took this slot's next job from its buffer before sending
   * (only while the slot is neither lost nor stopping): the slot reports and starts it in this one
   * transition, without passing through `idle`.
   */
  | { readonly type: "HANDLER_DONE"; readonly outcome: Outcome; readonly next?: boolean }
  | { readonly type: "RELEASED" }
  | { readonly type: "STOP" }
  | { readonly type: "SHUTDOWN_TIMEOUT" }

/** Names of the slot's states, as the pool observes them. */
export type SlotState = "idle" | "leasing" | "running" | "stopping" | "stopped"

const notProvided = (name: string) => () => {
  throw new Error(`slot machine: ${name} not provided`)
}

/**
 * The lifecycle of one worker slot: idle -> leasing -> running -> idle, and stopping (releasing the
 * job after the shutdown timeout) -> stopped. The machine holds no timers and does no IO: the pool
 * provides the actions; the handler runs outside the machine (no child actor per job, which costs more
 * than a no-op job) and answers HANDLER_DONE.
 *
 * Events per job: a leased job costs three (RESERVE, ASSIGN, HANDLER_DONE), a prefetched one two
 * (START, HANDLER_DONE), and a job that follows another in the same slot from the buffer one (the
 * previous job's HANDLER_DONE with `next`). The outcome is handed to the ack outbox synchronously by
 * the transition's `report` action, so no eventless state sits between running and idle (measured:
 * an `always` hop costs about as much as a third of an event). Each entered state has one entry
 * action, which also tells the `entered` observer.
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
    /** Entry of `running` (after ASSIGN, START or HANDLER_DONE with `next`): arm the job the pool put in the slot, run its handler; its outcome comes back as HANDLER_DONE. */
    jobStarted: notProvided("jobStarted"),
    /** Fire the handler's AbortSignal. */
    abortHandler: notProvided("abortHandler"),
    /** On HANDLER_DONE: hand the outcome to the ack outbox, stop renewing, forget the job. */
    report: notProvided("report"),
    /** On HANDLER_DONE with `next`, after `report`: put the job the pool took from its buffer in the slot. */
    startNext: notProvided("startNext"),
    /** Give the job back to the master; it answers RELEASED. */
    release: notProvided("release"),
    /** Stop renewing and forget the job (nothing to report). */
    jobDone: notProvided("jobDone"),
    /** Observation hook for the states whose entry has no action of its own (the pool reports the others from theirs). */
    entered: (_, _params: { readonly state: SlotState }) => {}
  },
  guards: {
    stopping: ({ context }) => context.stopping,
    lost: ({ context }) => context.lost,
    lostWhileStopping: ({ context }) => context.lost && context.stopping,
    next: ({ event }) => event.type === "HANDLER_DONE" && event.next === true
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
        HANDLER_DONE: [
          // The lease was lost while running: drop the result, report nothing (`stopped` forgets the job).
          { target: "stopped", guard: "lostWhileStopping" },
          { target: "idle", guard: "lost", actions: ["jobDone", assign({ lost: false })] },
          { target: "stopped", guard: "stopping", actions: "report" },
          { target: "running", guard: "next", reenter: true, actions: ["report", "startNext"] },
          { target: "idle", actions: "report" }
        ],
        LEASE_LOST: { actions: [assign({ lost: true }), "abortHandler"] },
        STOP: { actions: assign({ stopping: true }) },
        SHUTDOWN_TIMEOUT: { target: "stopping", actions: "abortHandler" }
      }
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
