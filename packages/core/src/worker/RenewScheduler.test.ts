import { Effect, Exit, Fiber } from "effect"
import { afterEach, beforeEach, describe, expect, it, vi } from "vitest"
import type { LeasedJob, RenewManyResult } from "@leasehold/contracts"
import type { Batcher } from "./Batcher.ts"
import type { WorkerLogger } from "./Handler.ts"
import type { MasterError } from "./MasterError.ts"
import type { RenewItem } from "./Renewer.ts"
import { makeRenewScheduler, type RenewListener } from "./RenewScheduler.ts"

/** Fake timers drive both Date.now() and the loop's Effect.sleep: time only moves when a test says so. */
beforeEach(() => {
  vi.useFakeTimers({ now: new Date("2030-01-01T00:00:00Z") })
})
afterEach(() => {
  vi.useRealTimers()
})

/** Each pass of Effect's loop costs a fake millisecond or two (its yields are timers too): instants are compared in 10 ms steps. */
const SLACK = 10
type Done = (exit: Exit.Exit<RenewManyResult, MasterError>) => void
const job = (id: number) => ({ id, lease_token: `tok-${id}` }) as LeasedJob

/** A renew batcher that records each offer and lets the test answer it. */
const fakeRenewer = () => {
  const offers: Array<{ at: number; item: RenewItem; done: Done }> = []
  const renewer: Batcher<RenewItem, RenewManyResult, MasterError> = {
    submit: () => Effect.die("unused"),
    offer: (item, done) => void offers.push({ at: Date.now(), item, done }),
    close: Effect.void
  }
  return { renewer, offers }
}

const setup = () => {
  const { renewer, offers } = fakeRenewer()
  const warnings: Array<string> = []
  const fields: Array<Record<string, unknown> | undefined> = []
  const log = {
    warn: (m: string, f?: Record<string, unknown>) => (warnings.push(m), fields.push(f)),
    info: () => {},
    error: () => {},
    debug: () => {}
  } as unknown as WorkerLogger
  const scheduler = makeRenewScheduler({ renewer, log })
  const fiber = Effect.runFork(scheduler.run)
  const events: Array<string> = []
  const listener: RenewListener = {
    onRenewed: (j, at) => events.push(`renewed ${j.id} ${at}`),
    onLost: (j) => events.push(`lost ${j.id}`)
  }
  const t0 = Date.now()
  /** [when (fake ms since start, rounded down to SLACK), job id] of each offer. */
  const ids = () => offers.map((o) => [Math.floor((o.at - t0) / SLACK) * SLACK, o.item.job_id])
  const stop = () => Effect.runPromise(Fiber.interrupt(fiber))
  return { scheduler, offers, warnings, fields, events, listener, ids, stop, t0 }
}
const ok = (expires: string): Exit.Exit<RenewManyResult, MasterError> =>
  Exit.succeed({ job_id: 1, ok: true, lease_expires_at: expires } as RenewManyResult)
const refused = (code: string): Exit.Exit<RenewManyResult, MasterError> =>
  Exit.succeed({ job_id: 1, ok: false, error: { code, message: code } } as unknown as RenewManyResult)

describe("RenewScheduler", () => {
  it("renews first after firstDelayMs, then every everyMs after each answer, never early", async () => {
    const s = setup()
    s.scheduler.track(job(1), 1000, 500, s.listener)
    await vi.advanceTimersByTimeAsync(999)
    expect(s.ids()).toEqual([])
    await vi.advanceTimersByTimeAsync(SLACK - 1)
    expect(s.ids()).toEqual([[1000, 1]])
    expect(s.offers[0]!.item).toEqual({ job_id: 1, lease_token: "tok-1" })
    await vi.advanceTimersByTimeAsync(2000)
    expect(s.ids()).toHaveLength(1) // in flight: no second offer before the answer
    s.offers[0]!.done(ok("2030-01-01T01:00:00.000Z"))
    expect(s.events).toEqual(["renewed 1 2030-01-01T01:00:00.000Z"])
    await vi.advanceTimersByTimeAsync(499)
    expect(s.ids()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(SLACK - 1)
    expect(s.ids()).toEqual([[1000, 1], [3500, 1]])
    await s.stop()
  })

  it("a renewal in flight is never offered again, however many ticks pass before its answer", async () => {
    const s = setup()
    s.scheduler.track(job(1), 10, 100, s.listener)
    await vi.advanceTimersByTimeAsync(10 + SLACK - 1)
    expect(s.ids()).toEqual([[10, 1]])
    // Another job wakes the loop while job 1's renewal is still out: the tick passes job 1 over.
    s.scheduler.track(job(2), 50, 100, s.listener)
    await vi.advanceTimersByTimeAsync(50 + SLACK)
    expect(s.ids().map(([, id]) => id)).toEqual([1, 2])
    // Minutes of ticks (each at most a minute apart) with both renewals unanswered: nothing new.
    await vi.advanceTimersByTimeAsync(150_000)
    expect(s.ids().map(([, id]) => id)).toEqual([1, 2])
    s.offers[0]!.done(ok("2030-01-01T01:00:00.000Z"))
    await vi.advanceTimersByTimeAsync(100 + SLACK)
    expect(s.ids().map(([, id]) => id)).toEqual([1, 2, 1])
    await s.stop()
  })

  it("a job tracked while the loop sleeps long is still renewed on time (the wake-up)", async () => {
    const s = setup()
    s.scheduler.track(job(1), 50_000, 50_000, s.listener)
    await vi.advanceTimersByTimeAsync(100)
    s.scheduler.track(job(2), 200, 1000, s.listener)
    await vi.advanceTimersByTimeAsync(199)
    expect(s.ids()).toEqual([])
    await vi.advanceTimersByTimeAsync(SLACK - 1)
    expect(s.ids()).toEqual([[300, 2]])
    await s.stop()
  })

  it("a cancelled job is not renewed, and an answer arriving after cancel changes nothing", async () => {
    const s = setup()
    const a = s.scheduler.track(job(1), 100, 100, s.listener)
    const b = s.scheduler.track(job(2), 100, 100, s.listener)
    a.cancel()
    await vi.advanceTimersByTimeAsync(100 + SLACK - 1)
    expect(s.ids()).toEqual([[100, 2]])
    b.cancel()
    s.offers[0]!.done(ok("2030-01-01T01:00:00.000Z"))
    await vi.advanceTimersByTimeAsync(10_000)
    expect(s.events).toEqual([])
    expect(s.ids()).toEqual([[100, 2]])
    await s.stop()
  })

  it("lease_lost and not_found stop the renewals and call onLost; other refusals and failures retry everyMs later", async () => {
    const s = setup()
    s.scheduler.track(job(1), 10, 100, s.listener)
    s.scheduler.track(job(2), 10, 100, s.listener)
    s.scheduler.track(job(3), 10, 100, s.listener)
    s.scheduler.track(job(4), 10, 100, s.listener)
    await vi.advanceTimersByTimeAsync(10 + SLACK - 1)
    expect(s.ids().map(([, id]) => id)).toEqual([1, 2, 3, 4])
    s.offers[0]!.done(refused("lease_lost"))
    s.offers[1]!.done(refused("not_found"))
    s.offers[2]!.done(refused("internal"))
    s.offers[3]!.done(Exit.fail({ _tag: "MasterError", reason: "Unavailable", message: "down" } as unknown as MasterError))
    expect(s.events).toEqual(["lost 1", "lost 2"])
    expect(s.warnings).toEqual(["renew failed", "renew rejected"])
    expect(s.fields).toEqual([{ job_id: 3, error: "internal" }, { job_id: 4, error: expect.stringContaining("down") }])
    await vi.advanceTimersByTimeAsync(100 - SLACK)
    expect(s.ids()).toHaveLength(4)
    await vi.advanceTimersByTimeAsync(2 * SLACK)
    expect(s.ids().slice(4).map(([, id]) => id)).toEqual([3, 4])
    await vi.advanceTimersByTimeAsync(10_000)
    expect(s.ids().filter(([, id]) => id === 1 || id === 2)).toHaveLength(2)
    await s.stop()
  })

  it("sleeps until the earliest due renewal, whatever order the jobs were tracked in", async () => {
    const s = setup()
    s.scheduler.track(job(1), 100, 1000, s.listener)
    s.scheduler.track(job(2), 500, 1000, s.listener)
    s.scheduler.track(job(3), 300, 1000, s.listener)
    await vi.advanceTimersByTimeAsync(100 + SLACK - 1)
    expect(s.ids()).toEqual([[100, 1]])
    await vi.advanceTimersByTimeAsync(200)
    expect(s.ids()).toEqual([[100, 1], [300, 3]])
    await vi.advanceTimersByTimeAsync(200)
    expect(s.ids()).toEqual([[100, 1], [300, 3], [500, 2]])
    await s.stop()
  })

  it("a refusal that carries no error is a failure like any other: warned, retried everyMs later", async () => {
    const s = setup()
    s.scheduler.track(job(1), 10, 100, s.listener)
    await vi.advanceTimersByTimeAsync(10 + SLACK - 1)
    s.offers[0]!.done(Exit.succeed({ job_id: 1, ok: false } as RenewManyResult))
    expect(s.events).toEqual([])
    expect(s.warnings).toEqual(["renew failed"])
    expect(s.fields).toEqual([{ job_id: 1, error: undefined }])
    await vi.advanceTimersByTimeAsync(100 + SLACK)
    expect(s.ids().map(([, id]) => id)).toEqual([1, 1])
    await s.stop()
  })

  it("moveTo hands a tracked lease's renewals and loss to another listener, on the same schedule", async () => {
    const s = setup()
    const other: Array<string> = []
    const handle = s.scheduler.track(job(1), 10, 100, s.listener)
    await vi.advanceTimersByTimeAsync(10 + SLACK - 1)
    handle.moveTo({ onRenewed: (j, at) => other.push(`renewed ${j.id} ${at}`), onLost: (j) => other.push(`lost ${j.id}`) })
    s.offers[0]!.done(ok("2030-01-01T01:00:00.000Z"))
    await vi.advanceTimersByTimeAsync(100 + SLACK)
    s.offers[1]!.done(refused("lease_lost"))
    expect(s.events).toEqual([])
    expect(other).toEqual(["renewed 1 2030-01-01T01:00:00.000Z", "lost 1"])
    expect(s.ids().map(([, id]) => id)).toEqual([1, 1])
    await s.stop()
  })

  it("a successful answer without an expiry renews silently", async () => {
    const s = setup()
    s.scheduler.track(job(1), 10, 100, s.listener)
    await vi.advanceTimersByTimeAsync(10 + SLACK - 1)
    s.offers[0]!.done(Exit.succeed({ job_id: 1, ok: true } as RenewManyResult))
    expect(s.events).toEqual([])
    expect(s.warnings).toEqual([])
    await vi.advanceTimersByTimeAsync(100 - SLACK)
    expect(s.ids()).toHaveLength(1)
    await vi.advanceTimersByTimeAsync(2 * SLACK)
    expect(s.ids().map(([, id]) => id)).toEqual([1, 1])
    await s.stop()
  })

  it("sleeps at most a minute between ticks with nothing due (a missed wake-up is repaired)", async () => {
    const s = setup()
    s.scheduler.track(job(1), 200_000, 1000, s.listener)
    await vi.advanceTimersByTimeAsync(199_999)
    expect(s.ids()).toEqual([])
    await vi.advanceTimersByTimeAsync(SLACK - 1)
    expect(s.ids()).toEqual([[200_000, 1]])
    await s.stop()
  })
})
