import type { LeasedJob } from "@leasehold/contracts"
import { assign, setup } from "xstate"
import type { Outcome } from "./Handler.ts"

/** One slot of the pool: at most one job at a time. */
export interface SlotContext {
  readonly slot: number
  readonly job: LeasedJob | null
  readonly outcome: Outcome | null
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
  | { readonly type: "LEASE_LOST" }
  | { readonly type: "HANDLER_DONE"; readonly outcome: Outcome }
  | { readonly type: "REPORTED" }
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
 */
export const SlotMachine = setup({
  types: {
    context: {} as SlotContext,
    input: {} as { readonly slot: number },
    events: {} as SlotEvent
  },
  actions: {
    /** The slot can take a job: wake the lease loop. */
    slotFree: notProvided("slotFree"),
    /** A job arrived: arm its abort signal and renewal, tell listeners. */
    jobStarted: notProvided("jobStarted"),
    /** Run the handler; its outcome comes back as HANDLER_DONE. */
    startHandler: notProvided("startHandler"),
    /** Fire the handler's AbortSignal. */
    abortHandler: notProvided("abortHandler"),
    /** Hand the outcome to the ack batcher; it answers REPORTED. */
    report: notProvided("report"),
    /** Give the job back to the master; it answers RELEASED. */
    release: notProvided("release"),
    /** Stop renewing and forget the job. */
    jobDone: notProvided("jobDone"),
    /** Observation hook: every state entered. */
    entered: (_, _params: { readonly state: SlotState }) => {}
  },
  guards: {
    stopping: ({ context }) => context.stopping,
    lost: ({ context }) => context.lost
  }
}).createMachine({
  id: "slot",
  context: ({ input }) => ({ slot: input.slot, job: null, outcome: null, lost: false, stopping: false }),
  initial: "idle",
  states: {
    idle: {
      entry: [{ type: "entered", params: { state: "idle" } }, "slotFree"],
      on: {
        RESERVE: { target: "leasing" },
        STOP: { target: "stopped", actions: assign({ stopping: true }) }
      }
    },
    leasing: {
      entry: { type: "entered", params: { state: "leasing" } },
      on: {
        ASSIGN: {
          target: "running",
          actions: assign({ job: ({ event }) => event.job, outcome: null, lost: false })
        },
        UNRESERVE: [{ target: "stopped", guard: "stopping" }, { target: "idle" }],
        STOP: { actions: assign({ stopping: true }) }
      }
    },
    running: {
      entry: [{ type: "entered", params: { state: "running" } }, "jobStarted", "startHandler"],
      on: {
        HANDLER_DONE: [
          { target: "done", guard: "lost" },
          { target: "reporting", actions: assign({ outcome: ({ event }) => event.outcome }) }
        ],
        LEASE_LOST: { actions: [assign({ lost: true }), "abortHandler"] },
        STOP: { actions: assign({ stopping: true }) },
        SHUTDOWN_TIMEOUT: { target: "stopping", actions: "abortHandler" }
      }
    },
    reporting: {
      entry: [{ type: "entered", params: { state: "reporting" } }, "report"],
      on: {
        REPORTED: { target: "done" },
        STOP: { actions: assign({ stopping: true }) }
      }
    },
    done: {
      entry: "jobDone",
      always: [
        { target: "stopped", guard: "stopping" },
        { target: "idle", actions: assign({ job: null, outcome: null, lost: false }) }
      ]
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
