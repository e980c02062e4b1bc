import { describe, expect, it } from "vitest"
import { createActor } from "xstate"

/**
 * Both machines are built when their module loads. These tests import the modules inside a test, so a
 * definition xstate refuses (a state without a valid `initial`, say) fails a test here instead of only
 * failing to load the other test files (which Stryker's vitest runner does not count as a kill).
 */
describe("machine definitions", () => {
  it("a job's lifecycle starts pending, with the attempts it was given", async () => {
    const { JobMachine } = await import("./JobMachine.ts")
    const snapshot = createActor(JobMachine, { input: { attempts: 2, maxAttempts: 5 } }).start().getSnapshot()
    expect([snapshot.value, snapshot.context]).toEqual(["pending", { attempts: 2, maxAttempts: 5 }])
  })

  it("a worker slot starts idle", async () => {
    const { SlotMachine } = await import("./worker/SlotMachine.ts")
    const snapshot = createActor(SlotMachine.provide({ actions: { slotFree: () => {} } }), { input: { slot: 1 } }).start().getSnapshot()
    expect([snapshot.value, snapshot.status]).toEqual(["idle", "active"])
  })
})
