import { Effect } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import type { MasterDeps } from "../MasterDeps.ts"
import { pruneFinishedPass, startPruner } from "./pruner.ts"

/**
 * The pass's pacing on a fake clock: each step "takes" STEP_MS (a timer), and the pass pauses for the
 * rest of its duty cycle before the next one. No wall-clock timing: the fake clock only moves when the
 * test advances it.
 */
const STEP_MS = 30
const STEPS = 4

const fakeStore = (starts: Array<number>) =>
  ({
    jobPruneFinishedStep: ({ afterId }: { readonly afterId: number }) =>
      Effect.promise(async () => {
        starts.push(performance.now())
        await new Promise((r) => setTimeout(r, STEP_MS))
        const last = starts.length === STEPS
        return { deleted: 5_000, nextAfterId: last ? null : afterId + 5_000, pastCutoff: last }
      }),
    workflowPruneFinished: () => Effect.succeed(0)
  }) as unknown as MasterDeps["store"]

const gaps = async (dutyPercent: number) => {
  vi.useFakeTimers({ toFake: ["setTimeout", "performance"] })
  const starts: Array<number> = []
  const pass = pruneFinishedPass(fakeStore(starts), new Date(), () => false, dutyPercent)
  await vi.runAllTimersAsync()
  expect(await pass).toBe(STEPS * 5_000)
  return starts.slice(1).map((t, i) => Math.round(t - starts[i]!))
}

afterEach(() => {
  vi.useRealTimers()
})

describe("pruner pacing", () => {
  it("spends its duty share of the time deleting: at 25 % a 30 ms step is followed by a 90 ms pause", async () => {
    expect(await gaps(25)).toEqual([120, 120, 120])
  })

  it("at 50 % the pause equals the step; at 100 % only the minimum pause of 10 ms remains", async () => {
    expect(await gaps(50)).toEqual([60, 60, 60])
    expect(await gaps(100)).toEqual([40, 40, 40])
  })
})

/** startPruner on the fake clock: a store whose pass takes `steps` steps of STEP_MS; what the log got. */
const runPruner = async (steps: number, pruneIntervalMs: number) => {
  vi.useFakeTimers({ toFake: ["setTimeout", "clearTimeout", "performance"] })
  let n = 0
  const store = {
    jobPruneFinishedStep: ({ afterId }: { readonly afterId: number }) =>
      Effect.promise(async () => {
        await new Promise((r) => setTimeout(r, STEP_MS))
        const last = ++n % steps === 0
        return { deleted: 1_000, nextAfterId: last ? null : afterId + 1_000, pastCutoff: last }
      }),
    workflowPruneFinished: () => Effect.succeed(0),
    countersCompact: () => Effect.succeed(undefined)
  }
  const warned: Array<{ msg: string; fields?: Record<string, unknown> }> = []
  const log = { debug: () => {}, info: () => {}, error: () => {}, warn: (msg: string, fields?: Record<string, unknown>) => warned.push({ msg, fields }), debugEnabled: false }
  const deps = { config: { retentionMs: 86_400_000, pruneIntervalMs, pruneDutyPercent: 50 }, store, log } as unknown as MasterDeps
  const loop = startPruner(deps)
  await vi.advanceTimersByTimeAsync(1_000 + steps * 2 * STEP_MS + 50)
  const passes = Math.floor(n / steps)
  const stopping = loop.stop()
  await vi.runAllTimersAsync()
  await stopping
  return { warned, passes }
}

describe("pruner falling behind", () => {
  it("warns, naming the remedy, when a pass outlasts the interval between passes", async () => {
    // 10 steps of 30 ms at duty 50, a 30 ms pause between two: a pass of 570 ms against an interval of 100 ms.
    const { warned, passes } = await runPruner(10, 100)
    expect(passes).toBeGreaterThanOrEqual(1)
    expect(warned.length).toBeGreaterThanOrEqual(1)
    expect(warned[0]!.msg).toBe("pruner pass outlasted its interval")
    expect(warned[0]!.fields).toMatchObject({ deleted: 10_000, interval_ms: 100, duty_percent: 50, ms: 570 })
    expect(String(warned[0]!.fields!.remedy)).toContain("--prune-duty-percent")
  })

  it("stays quiet when a pass fits in the interval", async () => {
    // 2 steps of 30 ms at duty 50: a pass of 90 ms against an interval of 60 s.
    const { warned, passes } = await runPruner(2, 60_000)
    expect(passes).toBe(1)
    expect(warned).toEqual([])
  })
})
