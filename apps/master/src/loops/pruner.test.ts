import { Effect } from "effect"
import { afterEach, describe, expect, it, vi } from "vitest"
import type { MasterDeps } from "../MasterDeps.ts"
import { pruneFinishedPass } from "./pruner.ts"

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
