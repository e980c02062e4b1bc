import { beforeAll, describe, expect, it } from "vitest"
import { createActor } from "xstate"

/**
 * Both machines are built when their module loads. The modules are imported here in a hook and awaited
 * inside the tests, so a definition xstate refuses (a state without a valid `initial`, say) fails a test
 * here instead of only failing to load the other test files (which Stryker's vitest runner does not
 * count as a kill). The import runs in `beforeAll`, outside any test, so Stryker still sees the
 * module-level code as static (run by every test), not as covered by these two tests alone.
 */
let jobMachine: Promise<typeof import("./JobMachine.ts")>
let slotMachine: Promise<typeof import("./worker/SlotMachine.ts")>
beforeAll(async () => {
  jobMachine = import("./JobMachine.ts")
  slotMachine = import("./worker/SlotMachine.ts")
  await Promise.allSettled([jobMachine, slotMachine])
})

describe("machine definitions", () => {
  it("a job's lifecycle starts pending, with the attempts it was given", async () => {
    const { JobMachine } = await jobMachine
    const snapshot = createActor(JobMachine, { input: { attempts: 2, maxAttempts: 5 } }).start().getSnapshot()
    expect([snapshot.value, snapshot.context]).toEqual(["pending", { attempts: 2, maxAttempts: 5 }])
  })

  it("a worker slot starts idle", async () => {
    const { SlotMachine } = await slotMachine
    const snapshot = createActor(SlotMachine.provide({ actions: { slotFree: () => {} } }), { input: { slot: 1 } }).start().getSnapshot()
    expect([snapshot.value, snapshot.status]).toEqual(["idle", "active"])
  })
})
