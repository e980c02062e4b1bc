import { randomBytes } from "node:crypto"
import { Effect, Result } from "effect"
import { afterAll, beforeAll, expect } from "vitest"
import type { Job, LeasedJob } from "@leasehold/contracts"
import type { StoreError, StoreErrorReason } from "../../errors.ts"
import type { JobStoreShape, LeaseParams, NewJob } from "../../JobStore.ts"

/** What a store under test hands the suite: the store and how to dispose of it. */
export interface ConformanceHarness {
  readonly store: JobStoreShape
  readonly close: () => Promise<void>
}

/** Makes a fresh (or shared, truncated) store for one describe block. */
export type MakeStore = () => Promise<ConformanceHarness>

/** A harness getter bound to the enclosing describe block's lifecycle (made before its tests, closed after). */
export const useHarness = <H extends { readonly close: () => Promise<void> }>(make: () => Promise<H>): (() => H) => {
  let harness: H | undefined
  beforeAll(async () => {
    harness = await make()
  })
  afterAll(async () => {
    await harness?.close()
    harness = undefined
  })
  return () => {
    if (harness === undefined) throw new Error("conformance store not ready")
    return harness
  }
}

/** A store getter bound to the enclosing describe block's lifecycle. */
export const useStore = (makeStore: MakeStore): (() => JobStoreShape) => {
  const harness = useHarness(makeStore)
  return () => harness().store
}

/** Runs a store effect, failing the test on a StoreError. */
export const run = <A>(effect: Effect.Effect<A, StoreError>): Promise<A> => Effect.runPromise(effect)

/** Runs a store effect that must fail with `reason`; answers the error for further checks. */
export const failsWith = async <A>(effect: Effect.Effect<A, StoreError>, reason: StoreErrorReason): Promise<StoreError> => {
  const result = await Effect.runPromise(Effect.result(effect))
  if (Result.isSuccess(result)) {
    expect.fail(`expected StoreError ${reason}, got success: ${JSON.stringify(result.success)}`)
  }
  const error = (result as Result.Failure<A, StoreError>).failure
  expect(error._tag).toBe("StoreError")
  expect(error.reason, error.message).toBe(reason)
  return error
}

/** A name unique to this test, so one store instance can be shared by every test. */
export const unique = (prefix: string): string => `${prefix}-${randomBytes(5).toString("hex")}`

/** A settable clock for injected time; tests never sleep. */
export interface TestClock {
  readonly now: () => Date
  readonly at: (offsetMs: number) => Date
  readonly advance: (ms: number) => Date
}

/** A clock starting at `start`; `at` reads an offset from the start without moving. */
export const testClock = (start: Date = new Date("2031-03-01T12:00:00.000Z")): TestClock => {
  let current = start.getTime()
  return {
    now: () => new Date(current),
    at: (offsetMs) => new Date(start.getTime() + offsetMs),
    advance: (ms) => {
      current += ms
      return new Date(current)
    }
  }
}

/** Later than any time the suite uses: rescuing at this moment clears every lease another test left behind. */
export const FAR_FUTURE = new Date("2200-01-01T00:00:00.000Z")

/** RFC 3339 UTC as stores must emit it. */
export const UTC_TIMESTAMP = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/

/** Milliseconds of an emitted timestamp. */
export const ms = (timestamp: string | null | undefined): number => {
  expect(timestamp).toMatch(UTC_TIMESTAMP)
  return Date.parse(timestamp as string)
}

/** Checks the invariants every job read holds: all fields, UTC timestamps, no token, lease fields iff processing. */
export const expectJobShape = (job: Job): void => {
  expect(Object.keys(job)).not.toContain("lease_token")
  expect(Number.isSafeInteger(job.id) && job.id > 0).toBe(true)
  for (const field of ["run_at", "created_at", "updated_at"] as const) expect(job[field]).toMatch(UTC_TIMESTAMP)
  if (job.completed_at !== null) expect(job.completed_at).toMatch(UTC_TIMESTAMP)
  for (const e of job.errors) expect(e.at).toMatch(UTC_TIMESTAMP)
  if (job.status === "processing") {
    expect(job.worker_id).toEqual(expect.any(String))
    expect(job.lease_expires_at).toMatch(UTC_TIMESTAMP)
  } else {
    expect(job.worker_id).toBeNull()
    expect(job.lease_expires_at).toBeNull()
  }
}

/** A store plus the conveniences most tests need. */
export const helpers = (store: () => JobStoreShape) => ({
  enqueue: async (job: NewJob, now?: Date): Promise<Job> => {
    const outcome = await run(store().jobEnqueue({ job, now }))
    expectJobShape(outcome.job)
    return outcome.job
  },
  lease: async (
    p: Partial<LeaseParams> & { readonly queues: ReadonlyArray<string>; readonly now: Date }
  ): Promise<ReadonlyArray<LeasedJob>> => {
    const jobs = await run(store().jobLeaseAcquire({ workerId: "w-conformance", maxJobs: 1, leaseSeconds: 30, ...p }))
    for (const job of jobs) {
      expect(job.status).toBe("processing")
      expect(job.lease_token).toEqual(expect.any(String))
      expect(job.lease_token.length).toBeGreaterThanOrEqual(16)
      expect(job.renew_after).toMatch(UTC_TIMESTAMP)
    }
    return jobs
  },
  leaseOne: async (
    p: Partial<LeaseParams> & { readonly queues: ReadonlyArray<string>; readonly now: Date }
  ): Promise<LeasedJob> => {
    const jobs = await run(store().jobLeaseAcquire({ workerId: "w-conformance", maxJobs: 1, leaseSeconds: 30, ...p }))
    expect(jobs).toHaveLength(1)
    return jobs[0]!
  },
  get: async (id: number): Promise<Job> => {
    const job = await run(store().jobGet({ id }))
    expectJobShape(job)
    return job
  }
})
