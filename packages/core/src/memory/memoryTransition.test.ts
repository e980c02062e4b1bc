import { describe, expect, it } from "vitest"
import { JOB_STATUSES } from "@leasehold/contracts"
import { nextJobState, type JobMachineEvent } from "../JobMachine.ts"
import { memoryTransition } from "./memoryTransition.ts"

const EVENTS: ReadonlyArray<JobMachineEvent> = [
  { type: "LEASE" },
  { type: "LEASE", leaseExpired: true },
  { type: "LEASE", leaseExpired: false },
  { type: "COMPLETE" },
  { type: "FAIL", retryable: true },
  { type: "FAIL", retryable: false },
  { type: "LEASE_EXPIRED" },
  { type: "RELEASE" },
  { type: "CANCEL" },
  { type: "RETRY" },
  { type: "DEPENDENCIES_MET" },
  { type: "DEPENDENCY_FAILED" },
  { type: "REOPEN" }
]

describe("memoryTransition (the memory store's own lifecycle)", () => {
  it("agrees with JobMachine on every status, event and attempt count", () => {
    const disagreements: Array<string> = []
    for (const status of JOB_STATUSES)
      for (const event of EVENTS)
        for (let maxAttempts = 1; maxAttempts <= 4; maxAttempts++)
          for (let attempts = 0; attempts <= maxAttempts + 1; attempts++) {
            const mine = memoryTransition(status, attempts, maxAttempts, event)
            const machine = nextJobState(status, { attempts, maxAttempts }, event)
            if (JSON.stringify(mine) !== JSON.stringify(machine))
              disagreements.push(`${status} ${JSON.stringify(event)} ${attempts}/${maxAttempts}: memory ${JSON.stringify(mine)}, machine ${JSON.stringify(machine)}`)
          }
    expect(disagreements).toEqual([])
  })
})
