import { describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import { createActor } from "xstate"
import type { Outcome } from "./Handler.ts"
import { SlotMachine, type SlotEvent } from "./SlotMachine.ts"

const job = { id: 7, type: "t", lease_token: "tok" } as LeasedJob

/** A slot whose handler never settles unless told, and whose actions are recorded. */
const setup = (settle?: Outcome) => {
  const calls: Array<string> = []
  const machine = SlotMachine.provide({
    actions: {
      slotFree: () => calls.push("slotFree"),
      jobStarted: () => calls.push("jobStarted"),
      startHandler: ({ self }) => {
        if (settle) void Promise.resolve(settle).then((outcome) => self.send({ type: "HANDLER_DONE", outcome }))
      },
      abortHandler: () => calls.push("abortHandler"),
      report: () => calls.push("report"),
      release: () => calls.push("release"),
      jobDone: () => calls.push("jobDone")
    }
  })
  const actor = createActor(machine, { input: { slot: 0 } }).start()
  const state = () => String(actor.getSnapshot().value)
  const send = (...events: Array<SlotEvent>) => events.forEach((e) => actor.send(e))
  return { actor, calls, state, send }
}

const flush = () => new Promise((r) => setTimeout(r, 0))

describe("SlotMachine", () => {
  it("walks idle -> leasing -> running -> reporting -> idle for a finished job", async () => {
    const { calls, state, send, actor } = setup({ outcome: "completed", result: 1 })
    expect(state()).toBe("idle")
    send({ type: "RESERVE" })
    expect(state()).toBe("leasing")
    send({ type: "ASSIGN", job })
    await flush()
    expect(state()).toBe("reporting")
    expect(actor.getSnapshot().context.outcome).toEqual({ outcome: "completed", result: 1 })
    send({ type: "REPORTED" })
    expect(state()).toBe("idle")
    expect(calls).toEqual(["slotFree", "jobStarted", "report", "jobDone", "slotFree"])
  })

  it("returns to idle when a lease brings no job", () => {
    const { state, send } = setup()
    send({ type: "RESERVE" }, { type: "UNRESERVE" })
    expect(state()).toBe("idle")
  })

  it("drops the result of a handler whose lease was lost: no report", async () => {
    let resolve: (o: Outcome) => void = () => {}
    const calls: Array<string> = []
    const machine = SlotMachine.provide({
      actions: {
        slotFree: () => {},
        jobStarted: () => {},
        startHandler: ({ self }) =>
          void new Promise<Outcome>((r) => (resolve = r)).then((outcome) => self.send({ type: "HANDLER_DONE", outcome })),
        abortHandler: () => calls.push("abort"),
        report: () => calls.push("report"),
        release: () => {},
        jobDone: () => calls.push("jobDone")
      }
    })
    const actor = createActor(machine, { input: { slot: 0 } }).start()
    actor.send({ type: "RESERVE" })
    actor.send({ type: "ASSIGN", job })
    actor.send({ type: "LEASE_LOST" })
    expect(String(actor.getSnapshot().value)).toBe("running")
    resolve({ outcome: "completed", result: null })
    await flush()
    expect(String(actor.getSnapshot().value)).toBe("idle")
    expect(calls).toEqual(["abort", "jobDone"])
  })

  it("STOP: idle stops at once; a running job finishes and reports before the slot stops", async () => {
    const idle = setup()
    idle.send({ type: "STOP" })
    expect(idle.state()).toBe("stopped")
    const busy = setup({ outcome: "completed", result: null })
    busy.send({ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "STOP" })
    await flush()
    expect(busy.state()).toBe("reporting")
    busy.send({ type: "REPORTED" })
    expect(busy.state()).toBe("stopped")
  })

  it("SHUTDOWN_TIMEOUT aborts the handler and releases the job", () => {
    const { calls, state, send } = setup()
    send({ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "STOP" }, { type: "SHUTDOWN_TIMEOUT" })
    expect(state()).toBe("stopping")
    expect(calls.slice(-2)).toEqual(["abortHandler", "release"])
    send({ type: "RELEASED" })
    expect(state()).toBe("stopped")
  })

  it("ignores events that do not apply to a state", () => {
    const table: Array<[Array<SlotEvent>, SlotEvent, string]> = [
      [[], { type: "ASSIGN", job }, "idle"],
      [[], { type: "REPORTED" }, "idle"],
      [[{ type: "RESERVE" }], { type: "REPORTED" }, "leasing"],
      [[{ type: "RESERVE" }], { type: "LEASE_LOST" }, "leasing"],
      [[{ type: "RESERVE" }, { type: "ASSIGN", job }], { type: "RESERVE" }, "running"],
      [[{ type: "RESERVE" }, { type: "ASSIGN", job }], { type: "REPORTED" }, "running"],
      [[{ type: "STOP" }], { type: "RESERVE" }, "stopped"]
    ]
    for (const [before, event, expected] of table) {
      const { state, send } = setup()
      send(...before, event)
      expect(state()).toBe(expected)
    }
  })
})
