import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { JobStatus } from "@leasehold/contracts"
import { nextJobState, type JobMachineEvent } from "../../JobMachine.ts"
import type { JobStoreShape } from "../../JobStore.ts"
import { FAR_FUTURE, failsWith, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

type TokenChoice = "current" | "stale" | "bogus"

/** One generated action against a job (by index) or the clock. */
export type ModelStep =
  | { readonly kind: "enqueue"; readonly maxAttempts: number }
  | { readonly kind: "lease"; readonly job: number; readonly leaseSeconds: number }
  | { readonly kind: "complete"; readonly job: number; readonly token: TokenChoice }
  | { readonly kind: "fail"; readonly job: number; readonly token: TokenChoice; readonly retryable: boolean; readonly retryInMs: number }
  | { readonly kind: "release"; readonly job: number; readonly token: TokenChoice }
  | { readonly kind: "renew"; readonly job: number; readonly token: TokenChoice; readonly leaseSeconds: number }
  | { readonly kind: "cancel"; readonly job: number }
  | { readonly kind: "retry"; readonly job: number }
  | { readonly kind: "advance"; readonly ms: number }
  | { readonly kind: "rescue" }

const job = fc.nat({ max: 7 })
const token = fc.constantFrom<TokenChoice>("current", "current", "stale", "bogus")
const leaseSeconds = fc.integer({ min: 1, max: 20 })

/** Random event sequences over a few jobs, weighted towards the lease cycle. */
export const modelSteps = fc.array(
  fc.oneof(
    { weight: 1, arbitrary: fc.record({ kind: fc.constant("enqueue" as const), maxAttempts: fc.integer({ min: 1, max: 3 }) }) },
    { weight: 5, arbitrary: fc.record({ kind: fc.constant("lease" as const), job, leaseSeconds }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("complete" as const), job, token }) },
    {
      weight: 3,
      arbitrary: fc.record({
        kind: fc.constant("fail" as const),
        job,
        token,
        retryable: fc.boolean(),
        retryInMs: fc.integer({ min: 0, max: 15_000 })
      })
    },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("release" as const), job, token }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("renew" as const), job, token, leaseSeconds }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("cancel" as const), job }) },
    { weight: 2, arbitrary: fc.record({ kind: fc.constant("retry" as const), job }) },
    { weight: 3, arbitrary: fc.record({ kind: fc.constant("advance" as const), ms: fc.integer({ min: 0, max: 25_000 }) }) },
    { weight: 2, arbitrary: fc.constant({ kind: "rescue" as const }) }
  ),
  { minLength: 1, maxLength: 30 }
)

interface ModelJob {
  readonly id: number
  readonly queue: string
  readonly maxAttempts: number
  status: JobStatus
  attempts: number
  runAt: number
  leaseExpiresAt: number | null
  token: string | null
  completedToken: string | null
  readonly issued: Array<{ readonly token: string; readonly workerId: string }>
}

const event = (m: ModelJob, e: JobMachineEvent) => nextJobState(m.status, { attempts: m.attempts, maxAttempts: m.maxAttempts }, e)

const pickToken = (m: ModelJob, choice: TokenChoice) => {
  const last = m.issued[m.issued.length - 1]
  const stale = m.issued.find((t) => t.token !== m.token)
  if (choice === "current" && last !== undefined) return last
  if (choice === "stale" && stale !== undefined) return stale
  return { token: `bogus-${m.id}-0000000000000000`, workerId: last?.workerId ?? "mw-nobody" }
}

/** Replays steps against the store and the machine-derived model, checking every job after every step. */
export const runModel = async (store: JobStoreShape, steps: ReadonlyArray<ModelStep>): Promise<void> => {
  const clock = testClock(new Date("2033-06-01T00:00:00.000Z"))
  await run(store.jobRescueExpired({ now: FAR_FUTURE }))
  const jobs: Array<ModelJob> = []
  let leases = 0
  const enqueue = async (maxAttempts: number) => {
    const queue = unique("mq")
    const { job } = await run(store.jobEnqueue({ job: { type: "m", queue, maxAttempts }, now: clock.now() }))
    jobs.push({ id: job.id, queue, maxAttempts, status: "pending", attempts: 0, runAt: clock.now().getTime(), leaseExpiresAt: null, token: null, completedToken: null, issued: [] })
  }
  const settle = (m: ModelJob, next: { status: JobStatus; attempts: number }) => {
    m.status = next.status
    m.attempts = next.attempts
    if (next.status !== "processing") {
      m.leaseExpiresAt = null
      m.token = null
    }
  }
  await enqueue(2)
  for (const [index, step] of steps.entries()) {
    const now = clock.now()
    const m = "job" in step ? jobs[step.job % jobs.length]! : undefined
    const where = `step ${index} ${JSON.stringify(step)}`
    if (step.kind === "enqueue") {
      if (jobs.length < 4) await enqueue(step.maxAttempts)
    } else if (step.kind === "advance") {
      clock.advance(step.ms)
    } else if (step.kind === "rescue") {
      let retried = 0
      let failed = 0
      for (const j of jobs) {
        if (j.status !== "processing" || j.leaseExpiresAt === null || j.leaseExpiresAt >= now.getTime()) continue
        const next = event(j, { type: "LEASE_EXPIRED" })!
        settle(j, next)
        if (next.status === "retrying") {
          j.runAt = now.getTime()
          retried++
        } else failed++
      }
      expect(await run(store.jobRescueExpired({ now })), where).toEqual({ retried, failed })
    } else if (m !== undefined && step.kind === "lease") {
      const expired = m.status === "processing" && m.leaseExpiresAt !== null && m.leaseExpiresAt < now.getTime()
      const next = event(m, { type: "LEASE", leaseExpired: expired })
      const due = m.status === "processing" || m.runAt <= now.getTime()
      const workerId = `mw-${leases++}`
      const got = await run(store.jobLeaseAcquire({ workerId, queues: [m.queue], maxJobs: 1, leaseSeconds: step.leaseSeconds, now }))
      if (next === null || !due) {
        expect(got, where).toEqual([])
      } else {
        expect(got.map((j) => [j.id, j.attempts]), where).toEqual([[m.id, next.attempts]])
        settle(m, next)
        m.token = got[0]!.lease_token
        m.leaseExpiresAt = now.getTime() + step.leaseSeconds * 1000
        expect(m.issued.map((t) => t.token), where).not.toContain(m.token)
        m.issued.push({ token: m.token, workerId })
      }
    } else if (m !== undefined && (step.kind === "cancel" || step.kind === "retry")) {
      const next = event(m, { type: step.kind === "cancel" ? "CANCEL" : "RETRY" })
      const effect = step.kind === "cancel" ? store.jobCancel({ id: m.id, now }) : store.jobRetry({ id: m.id, now })
      if (next === null) await failsWith(effect, "InvalidTransition")
      else {
        expect((await run(effect)).status, where).toBe(next.status)
        settle(m, next)
        if (step.kind === "retry") m.runAt = now.getTime()
      }
    } else if (m !== undefined && "token" in step) {
      const chosen = pickToken(m, step.token)
      const proof = { id: m.id, workerId: chosen.workerId, leaseToken: chosen.token, now }
      const holds = m.status === "processing" && chosen.token === m.token
      if (step.kind === "complete") {
        const effect = store.jobCompleteIfLeased({ ...proof, result: index })
        if (holds) {
          m.completedToken = chosen.token
          settle(m, event(m, { type: "COMPLETE" })!)
          expect((await run(effect)).status, where).toBe("completed")
        } else if (m.status === "completed" && chosen.token === m.completedToken) {
          expect((await run(effect)).status, where).toBe("completed")
        } else await failsWith(effect, "LeaseLost")
      } else if (step.kind === "fail") {
        const effect = store.jobFailIfLeased({ ...proof, error: { message: `e${index}` }, retryable: step.retryable, retryInMs: step.retryInMs })
        if (!holds) await failsWith(effect, "LeaseLost")
        else {
          const next = event(m, { type: "FAIL", retryable: step.retryable })!
          settle(m, next)
          if (next.status === "retrying") m.runAt = now.getTime() + step.retryInMs
          expect((await run(effect)).status, where).toBe(next.status)
        }
      } else if (step.kind === "release") {
        const effect = store.jobReleaseIfLeased(proof)
        if (!holds) await failsWith(effect, "LeaseLost")
        else {
          settle(m, event(m, { type: "RELEASE" })!)
          expect((await run(effect)).status, where).toBe("pending")
        }
      } else {
        const effect = store.jobRenewIfLeased({ ...proof, leaseSeconds: step.leaseSeconds })
        if (!holds) await failsWith(effect, "LeaseLost")
        else {
          m.leaseExpiresAt = now.getTime() + step.leaseSeconds * 1000
          expect(Date.parse((await run(effect)).lease_expires_at), where).toBe(m.leaseExpiresAt)
        }
      }
    }
    for (const j of jobs) {
      const read = await run(store.jobGet({ id: j.id }))
      expect({ status: read.status, attempts: read.attempts }, `${where} job ${j.id}`).toEqual({ status: j.status, attempts: j.attempts })
      if (j.status === "processing") expect(Date.parse(read.lease_expires_at!), where).toBe(j.leaseExpiresAt)
      if (j.status === "retrying") expect(Date.parse(read.run_at), where).toBe(j.runAt)
    }
  }
}

/** The model-based test: generated event sequences through the machine and the store agree. */
export const modelSuite = (makeStore: MakeStore, numRuns = 40): void =>
  void describe("model-based lifecycle", () => {
    const store = useStore(makeStore)
    it("agrees with JobMachine on every generated event sequence", async () => {
      await fc.assert(
        fc.asyncProperty(modelSteps, (steps) => runModel(store(), steps)),
        { numRuns }
      )
    })
  })
