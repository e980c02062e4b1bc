import { describe, expect, it } from "vitest"
import { createActor } from "xstate"
import { getShortestPaths } from "xstate/graph"
import { JOB_STATUSES, type JobStatus } from "@leasehold/contracts"
import { JOB_EVENT_TYPES, JobMachine, nextJobState, nextStatus, type JobMachineEvent } from "./JobMachine.ts"

const EVENTS = {
  LEASE: { type: "LEASE" },
  LEASE_OF_EXPIRED: { type: "LEASE", leaseExpired: true },
  COMPLETE: { type: "COMPLETE" },
  FAIL_RETRYABLE: { type: "FAIL", retryable: true },
  FAIL_FATAL: { type: "FAIL", retryable: false },
  LEASE_EXPIRED: { type: "LEASE_EXPIRED" },
  RELEASE: { type: "RELEASE" },
  CANCEL: { type: "CANCEL" },
  RETRY: { type: "RETRY" },
  DEPENDENCIES_MET: { type: "DEPENDENCIES_MET" },
  DEPENDENCY_FAILED: { type: "DEPENDENCY_FAILED" },
  REOPEN: { type: "REOPEN" }
} as const satisfies Record<string, JobMachineEvent>
type EventName = keyof typeof EVENTS
type Outcome = readonly [JobStatus, number] | null
type Row = Record<EventName, readonly [left: Outcome, exhausted: Outcome]>

const LEFT = { attempts: 1, maxAttempts: 3 }
const EXHAUSTED = { attempts: 3, maxAttempts: 3 }
const none = [null, null] as const

/** Expected outcome of every status x event, with attempts left (1 of 3) and exhausted (3 of 3). */
const TABLE: Record<JobStatus, Row> = {
  blocked: {
    LEASE: none,
    LEASE_OF_EXPIRED: none,
    COMPLETE: none,
    FAIL_RETRYABLE: none,
    FAIL_FATAL: none,
    LEASE_EXPIRED: none,
    RELEASE: none,
    CANCEL: [["cancelled", 1], ["cancelled", 3]],
    RETRY: none,
    DEPENDENCIES_MET: [["pending", 1], ["pending", 3]],
    DEPENDENCY_FAILED: [["cancelled", 1], ["cancelled", 3]],
    REOPEN: none
  },
  pending: {
    LEASE: [["processing", 2], ["processing", 4]],
    LEASE_OF_EXPIRED: [["processing", 2], ["processing", 4]],
    COMPLETE: none,
    FAIL_RETRYABLE: none,
    FAIL_FATAL: none,
    LEASE_EXPIRED: none,
    RELEASE: none,
    CANCEL: [["cancelled", 1], ["cancelled", 3]],
    RETRY: none,
    DEPENDENCIES_MET: none,
    DEPENDENCY_FAILED: none,
    REOPEN: none
  },
  processing: {
    LEASE: none,
    LEASE_OF_EXPIRED: [["processing", 2], null],
    COMPLETE: [["completed", 1], ["completed", 3]],
    FAIL_RETRYABLE: [["retrying", 1], ["failed", 3]],
    FAIL_FATAL: [["failed", 1], ["failed", 3]],
    LEASE_EXPIRED: [["retrying", 1], ["failed", 3]],
    RELEASE: [["pending", 0], ["pending", 2]],
    CANCEL: [["cancelled", 1], ["cancelled", 3]],
    RETRY: none,
    DEPENDENCIES_MET: none,
    DEPENDENCY_FAILED: none,
    REOPEN: none
  },
  retrying: {
    LEASE: [["processing", 2], ["processing", 4]],
    LEASE_OF_EXPIRED: [["processing", 2], ["processing", 4]],
    COMPLETE: none,
    FAIL_RETRYABLE: none,
    FAIL_FATAL: none,
    LEASE_EXPIRED: none,
    RELEASE: none,
    CANCEL: [["cancelled", 1], ["cancelled", 3]],
    RETRY: [["pending", 0], ["pending", 0]],
    DEPENDENCIES_MET: none,
    DEPENDENCY_FAILED: none,
    REOPEN: none
  },
  completed: {
    LEASE: none,
    LEASE_OF_EXPIRED: none,
    COMPLETE: none,
    FAIL_RETRYABLE: none,
    FAIL_FATAL: none,
    LEASE_EXPIRED: none,
    RELEASE: none,
    CANCEL: none,
    RETRY: none,
    DEPENDENCIES_MET: none,
    DEPENDENCY_FAILED: none,
    REOPEN: none
  },
  failed: {
    LEASE: none,
    LEASE_OF_EXPIRED: none,
    COMPLETE: none,
    FAIL_RETRYABLE: none,
    FAIL_FATAL: none,
    LEASE_EXPIRED: none,
    RELEASE: none,
    CANCEL: none,
    RETRY: [["pending", 0], ["pending", 0]],
    DEPENDENCIES_MET: none,
    DEPENDENCY_FAILED: none,
    REOPEN: [["blocked", 0], ["blocked", 0]]
  },
  cancelled: {
    LEASE: none,
    LEASE_OF_EXPIRED: none,
    COMPLETE: none,
    FAIL_RETRYABLE: none,
    FAIL_FATAL: none,
    LEASE_EXPIRED: none,
    RELEASE: none,
    CANCEL: none,
    RETRY: [["pending", 0], ["pending", 0]],
    DEPENDENCIES_MET: none,
    DEPENDENCY_FAILED: none,
    REOPEN: [["blocked", 0], ["blocked", 0]]
  }
}

const cases = JOB_STATUSES.flatMap((status) =>
  (Object.keys(EVENTS) as Array<EventName>).flatMap((name) =>
    ([["attempts left", LEFT, 0], ["attempts exhausted", EXHAUSTED, 1]] as const).map(
      ([label, context, column]) => ({ status, name, label, context, expected: TABLE[status][name][column] })
    )
  )
)

describe("JobMachine", () => {
  it("covers every status and every event type", () => {
    expect(Object.keys(TABLE).sort()).toEqual([...JOB_STATUSES].sort())
    expect(new Set(Object.values(EVENTS).map((e) => e.type))).toEqual(new Set(JOB_EVENT_TYPES))
    expect(cases).toHaveLength(7 * 12 * 2)
  })

  it.each(cases)("$status + $name with $label -> $expected", ({ status, name, context, expected }) => {
    const next = nextJobState(status, context, EVENTS[name])
    expect(next === null ? null : [next.status, next.attempts]).toEqual(expected)
    expect(nextStatus(status, context, EVENTS[name])).toBe(expected?.[0] ?? null)
  })

  it("runs as an actor from its input, counting attempts through a full life", () => {
    const actor = createActor(JobMachine, { input: { attempts: 0, maxAttempts: 2 } }).start()
    const seen: Array<[string, number]> = []
    const send = (event: JobMachineEvent) => {
      actor.send(event)
      const s = actor.getSnapshot()
      seen.push([String(s.value), s.context.attempts])
    }
    send({ type: "LEASE" })
    send({ type: "FAIL", retryable: true })
    send({ type: "LEASE" })
    send({ type: "LEASE_EXPIRED" })
    send({ type: "RETRY" })
    send({ type: "LEASE" })
    send({ type: "COMPLETE" })
    send({ type: "CANCEL" })
    expect(seen).toEqual([
      ["processing", 1],
      ["retrying", 1],
      ["processing", 2],
      ["failed", 2],
      ["pending", 0],
      ["processing", 1],
      ["completed", 1],
      ["completed", 1]
    ])
    expect(actor.getSnapshot().status).toBe("done")
    actor.stop()
  })

  it("reaches every status from a fresh job, and attempts stay within 0..max_attempts in every reachable state", () => {
    const paths = getShortestPaths(JobMachine, {
      input: { attempts: 0, maxAttempts: 2 },
      events: Object.values(EVENTS),
      serializeState: (snapshot) => `${String(snapshot.value)}:${snapshot.context.attempts}`
    })
    const reached = paths.map((p) => [String(p.state.value), p.state.context.attempts] as const)
    expect(new Set(reached.map(([status]) => status))).toEqual(new Set(JOB_STATUSES))
    for (const [, attempts] of reached) {
      expect(attempts).toBeGreaterThanOrEqual(0)
      expect(attempts).toBeLessThanOrEqual(2)
    }
    expect(reached.map(([s, a]) => `${s}:${a}`).sort()).toEqual(
      [
        "pending:0", "pending:1", "processing:1", "processing:2", "retrying:1", "completed:1", "completed:2",
        "failed:1", "failed:2", "cancelled:0", "cancelled:1", "cancelled:2", "blocked:0"
      ].sort()
    )
  })
})
