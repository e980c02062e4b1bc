import { describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import { createActor, waitFor, type AnyActorRef } from "xstate"
import type { Outcome } from "./Handler.ts"
import { SlotMachine, type SlotEvent } from "./SlotMachine.ts"

const job = { id: 7, type: "t", lease_token: "tok" } as LeasedJob

/** A slot whose handler never settles unless told, and whose actions and states entered are recorded. */
const setup = (settle?: Outcome) => {
  const calls: Array<string> = []
  const reported: Array<Outcome> = []
  const machine = SlotMachine.provide({
    actions: {
      entered: (_, params) => calls.push(params.state),
      slotFree: () => calls.push("slotFree"),
      jobStarted: ({ self }) => {
        calls.push("jobStarted")
        if (settle) void Promise.resolve(settle).then((outcome) => self.send({ type: "HANDLER_DONE", outcome }))
      },
      abortHandler: () => calls.push("abortHandler"),
      report: ({ event }) => {
        calls.push("report")
        if (event.type === "HANDLER_DONE") reported.push(event.outcome)
      },
      startNext: () => calls.push("startNext"),
      release: () => calls.push("release"),
      jobDone: () => calls.push("jobDone")
    }
  })
  const actor = createActor(machine, { input: { slot: 0 } }).start()
  const state = () => String(actor.getSnapshot().value)
  const send = (...events: Array<SlotEvent>) => events.forEach((e) => actor.send(e))
  return { actor, calls, reported, state, send }
}

/** Waits until the slot reaches `state` (the handler settles outside the machine, on a later tick). */
const reaches = (actor: AnyActorRef, state: string) =>
  waitFor(actor, (s) => s.value === state, { timeout: 5_000 })

describe("SlotMachine", () => {
  it("walks idle -> leasing -> running -> idle for a finished job, reporting on the way", async () => {
    const { actor, calls, reported, state, send } = setup({ outcome: "completed", result: 1 })
    expect(state()).toBe("idle")
    send({ type: "RESERVE" })
    expect(state()).toBe("leasing")
    send({ type: "ASSIGN", job })
    expect(state()).toBe("running")
    await reaches(actor, "idle")
    expect(reported).toEqual([{ outcome: "completed", result: 1 }])
    expect(calls).toEqual(["slotFree", "leasing", "jobStarted", "report", "slotFree"])
  })

  it("hands the job to jobStarted on the ASSIGN event", () => {
    const seen: Array<unknown> = []
    const machine = SlotMachine.provide({
      actions: {
        slotFree: () => {},
        jobStarted: ({ event }) => void seen.push(event.type === "ASSIGN" ? event.job : null),
        abortHandler: () => {},
        report: () => {},
        startNext: () => {},
        release: () => {},
        jobDone: () => {}
      }
    })
    const actor = createActor(machine, { input: { slot: 0 } }).start()
    actor.send({ type: "RESERVE" })
    actor.send({ type: "ASSIGN", job })
    expect(seen).toEqual([job])
  })

  it("HANDLER_DONE with next reports and starts the next job in one transition, never passing through idle", () => {
    const { calls, reported, state, send } = setup()
    send({ type: "START", job })
    const done = { outcome: "completed", result: 1 } as const
    send({ type: "HANDLER_DONE", outcome: done, next: true }, { type: "HANDLER_DONE", outcome: done, next: true })
    expect(state()).toBe("running")
    expect(reported).toEqual([done, done])
    // report before startNext (the outcome belongs to the job that ran), then the entry of running again.
    expect(calls).toEqual(["slotFree", "jobStarted", "report", "startNext", "jobStarted", "report", "startNext", "jobStarted"])
    send({ type: "HANDLER_DONE", outcome: done })
    expect(state()).toBe("idle")
    expect(calls.slice(-2)).toEqual(["report", "slotFree"])
  })

  it("HANDLER_DONE with next while stopping reports and stops: the slot does not start another job", () => {
    const { calls, state, send } = setup()
    send({ type: "START", job }, { type: "STOP" }, { type: "HANDLER_DONE", outcome: { outcome: "completed", result: null }, next: true })
    expect(state()).toBe("stopped")
    expect(calls).not.toContain("startNext")
  })

  it("starts a prefetched job from idle in one event (START), then reports it like a leased one", async () => {
    const { actor, calls, reported, state, send } = setup({ outcome: "completed", result: 2 })
    send({ type: "START", job })
    expect(state()).toBe("running")
    await reaches(actor, "idle")
    expect(reported).toEqual([{ outcome: "completed", result: 2 }])
    expect(calls).toEqual(["slotFree", "jobStarted", "report", "slotFree"])
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
        jobStarted: ({ self }) =>
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
    await reaches(actor, "idle")
    expect(calls).toEqual(["abort", "jobDone"])
  })

  it("STOP: idle stops at once; a running job finishes and reports before the slot stops", async () => {
    const idle = setup()
    idle.send({ type: "STOP" })
    expect(idle.state()).toBe("stopped")
    const busy = setup({ outcome: "completed", result: null })
    busy.send({ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "STOP" })
    expect(busy.state()).toBe("running")
    await reaches(busy.actor, "stopped")
    expect(busy.reported).toEqual([{ outcome: "completed", result: null }])
    expect(busy.calls.slice(-3)).toEqual(["report", "stopped", "jobDone"])
  })

  it("a lease lost after STOP still reports nothing and the slot stops", async () => {
    const { actor, calls, reported, state, send } = setup({ outcome: "completed", result: null })
    send({ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "LEASE_LOST" }, { type: "STOP" })
    expect(state()).toBe("running")
    await reaches(actor, "stopped")
    expect(reported).toEqual([])
    expect(calls).not.toContain("report")
  })

  it("a slot whose lease was lost takes the next job normally", async () => {
    const { actor, reported, state, send } = setup({ outcome: "completed", result: 2 })
    send({ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "LEASE_LOST" })
    expect(state()).toBe("running")
    await reaches(actor, "idle")
    send({ type: "RESERVE" }, { type: "ASSIGN", job })
    expect(state()).toBe("running")
    await reaches(actor, "idle")
    expect(reported).toEqual([{ outcome: "completed", result: 2 }])
  })

  it("STOP while leasing: a lease that brings no job stops the slot (final), not back to idle", () => {
    const { actor, calls, state, send } = setup()
    send({ type: "RESERVE" }, { type: "STOP" })
    expect(state()).toBe("leasing")
    send({ type: "UNRESERVE" })
    expect(state()).toBe("stopped")
    expect(actor.getSnapshot().status).toBe("done")
    expect(calls).toEqual(["slotFree", "leasing", "stopped", "jobDone"])
  })

  it("a stopped slot is final: the actor is done and takes no more events", () => {
    const { actor, state, send } = setup()
    send({ type: "STOP" })
    expect(actor.getSnapshot().status).toBe("done")
    send({ type: "RESERVE" })
    expect(state()).toBe("stopped")
  })

  it("SHUTDOWN_TIMEOUT aborts the handler and releases the job", () => {
    const { calls, state, send } = setup()
    send({ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "STOP" }, { type: "SHUTDOWN_TIMEOUT" })
    expect(state()).toBe("stopping")
    expect(calls.slice(-3)).toEqual(["abortHandler", "stopping", "release"])
    send({ type: "RELEASED" })
    expect(state()).toBe("stopped")
  })

  it("ignores events that do not apply to a state", () => {
    const table: Array<[Array<SlotEvent>, SlotEvent, string]> = [
      [[], { type: "ASSIGN", job }, "idle"],
      [[], { type: "HANDLER_DONE", outcome: { outcome: "completed", result: null } }, "idle"],
      [[{ type: "RESERVE" }], { type: "HANDLER_DONE", outcome: { outcome: "completed", result: null } }, "leasing"],
      [[{ type: "RESERVE" }], { type: "LEASE_LOST" }, "leasing"],
      [[{ type: "RESERVE" }], { type: "START", job }, "leasing"],
      [[{ type: "RESERVE" }, { type: "ASSIGN", job }], { type: "START", job }, "running"],
      [[{ type: "STOP" }], { type: "START", job }, "stopped"],
      [[{ type: "RESERVE" }, { type: "ASSIGN", job }], { type: "RESERVE" }, "running"],
      [[{ type: "RESERVE" }, { type: "ASSIGN", job }], { type: "RELEASED" }, "running"],
      [[{ type: "STOP" }], { type: "RESERVE" }, "stopped"]
    ]
    for (const [before, event, expected] of table) {
      const { state, send } = setup()
      send(...before, event)
      expect(state()).toBe(expected)
    }
  })
})

describe("SlotMachine without the pool's actions", () => {
  it("refuses to run with an action left unprovided, naming it", () => {
    const noop = () => {}
    const all = { slotFree: noop, jobStarted: noop, abortHandler: noop, report: noop, startNext: noop, release: noop, jobDone: noop }
    const steps: Record<keyof typeof all, Array<SlotEvent>> = {
      slotFree: [],
      jobStarted: [{ type: "RESERVE" }, { type: "ASSIGN", job }],
      abortHandler: [{ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "LEASE_LOST" }],
      report: [{ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "HANDLER_DONE", outcome: { outcome: "completed", result: null } }],
      startNext: [{ type: "START", job }, { type: "HANDLER_DONE", outcome: { outcome: "completed", result: null }, next: true }],
      release: [{ type: "RESERVE" }, { type: "ASSIGN", job }, { type: "STOP" }, { type: "SHUTDOWN_TIMEOUT" }],
      jobDone: [{ type: "STOP" }]
    }
    for (const [name, events] of Object.entries(steps)) {
      const { [name as keyof typeof all]: _left, ...provided } = all
      const errors: Array<string> = []
      const actor = createActor(SlotMachine.provide({ actions: provided }), { input: { slot: 3 } })
      actor.subscribe({ error: (e) => errors.push(String((e as Error).message)) })
      actor.start()
      events.forEach((e) => actor.send(e))
      expect(errors, name).toEqual([`slot machine: ${name} not provided`])
    }
  })

  it("starts idle with the slot number and no flags set", () => {
    const actor = createActor(SlotMachine.provide({ actions: { slotFree: () => {} } }), { input: { slot: 3 } }).start()
    expect(actor.getSnapshot().context).toStrictEqual({ slot: 3, lost: false, stopping: false })
    expect(actor.getSnapshot().value).toBe("idle")
  })
})
