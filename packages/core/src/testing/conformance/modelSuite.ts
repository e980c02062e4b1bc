import fc from "fast-check"
import { describe, expect, it } from "vitest"
import type { JobStatus } from "@leasehold/contracts"
import { nextJobState, type JobLifecycleState, type JobMachineEvent } from "../../JobMachine.ts"
import type { JobStoreShape } from "../../JobStore.ts"
import { modelSteps, type ModelStep, type TokenChoice } from "./modelSteps.ts"
import { FAR_FUTURE, failsWith, run, testClock, unique, useStore, type MakeStore } from "./support.ts"

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

const machine = (m: ModelJob, e: JobMachineEvent) => nextJobState(m.status, { attempts: m.attempts, maxAttempts: m.maxAttempts }, e)

const settle = (m: ModelJob, next: JobLifecycleState) => {
  m.status = next.status
  m.attempts = next.attempts
  if (next.status !== "processing") {
    m.leaseExpiresAt = null
    m.token = null
  }
}

/** What LEASE would do to the job at `now` (null: the store must not hand it out). */
const leaseOutcome = (m: ModelJob, now: number): JobLifecycleState | null => {
  const expired = m.status === "processing" && m.leaseExpiresAt !== null && m.leaseExpiresAt < now
  const next = machine(m, { type: "LEASE", leaseExpired: expired })
  return next !== null && (m.status === "processing" || m.runAt <= now) ? next : null
}

const pickToken = (m: ModelJob, choice: TokenChoice) => {
  const last = m.issued[m.issued.length - 1]
  const stale = m.issued.find((t) => t.token !== m.token)
  if (choice === "current" && last !== undefined) return last
  if (choice === "stale" && stale !== undefined) return stale
  return { token: `bogus-${m.id}-0000000000000000`, workerId: last?.workerId ?? "mw-nobody" }
}

const single = async <A>(effect: Parameters<typeof run<A>>[0], ok: boolean): Promise<A | undefined> => {
  if (ok) return run(effect)
  await failsWith(effect, "LeaseLost")
  return undefined
}

/** Replays steps against the store and the machine-derived model, checking every job after every step. */
export const runModel = async (store: JobStoreShape, steps: ReadonlyArray<ModelStep>): Promise<void> => {
  const clock = testClock(new Date("2033-06-01T00:00:00.000Z"))
  await run(store.jobRescueExpired({ now: FAR_FUTURE }))
  const jobs: Array<ModelJob> = []
  let leases = 0
  const enqueue = async (maxAttempts: number) => {
    const queue = unique("mq")
    const now = clock.now().getTime()
    const { job } = await run(store.jobEnqueue({ job: { type: "m", queue, maxAttempts }, now: clock.now() }))
    jobs.push({ id: job.id, queue, maxAttempts, status: "pending", attempts: 0, runAt: now, leaseExpiresAt: null, token: null, completedToken: null, issued: [] })
  }
  const granted = (m: ModelJob, next: JobLifecycleState, token: string, workerId: string, expiresAt: number, where: string) => {
    settle(m, next)
    expect(m.issued.map((t) => t.token), where).not.toContain(token)
    m.token = token
    m.leaseExpiresAt = expiresAt
    m.issued.push({ token, workerId })
  }
  await enqueue(2)
  for (const [index, step] of steps.entries()) {
    const now = clock.now()
    const t = now.getTime()
    const where = `step ${index} ${JSON.stringify(step)}`
    const m = "job" in step ? jobs[step.job % jobs.length]! : undefined
    if (step.kind === "enqueue") {
      if (jobs.length < 4) await enqueue(step.maxAttempts)
    } else if (step.kind === "advance") {
      clock.advance(step.ms)
    } else if (step.kind === "rescue") {
      const counts = { retried: 0, failed: 0 }
      for (const j of jobs.filter((j) => j.status === "processing" && j.leaseExpiresAt! < t)) {
        const next = machine(j, { type: "LEASE_EXPIRED" })!
        settle(j, next)
        if (next.status === "retrying") j.runAt = t
        counts[next.status === "retrying" ? "retried" : "failed"]++
      }
      expect(await run(store.jobRescueExpired({ now })), where).toEqual(counts)
    } else if (step.kind === "leaseAll") {
      const workerId = `mw-${leases++}`
      const expected = jobs.map((j) => [j, leaseOutcome(j, t)] as const).filter(([, next]) => next !== null)
      const got = await run(
        store.jobLeaseAcquire({ workerId, queues: jobs.map((j) => j.queue), maxJobs: 10, leaseSeconds: step.leaseSeconds, now })
      )
      expect(got.map((j) => [j.id, j.attempts]).sort(), where).toEqual(expected.map(([j, next]) => [j.id, next!.attempts]).sort())
      for (const [j, next] of expected) granted(j, next!, got.find((g) => g.id === j.id)!.lease_token, workerId, t + step.leaseSeconds * 1000, where)
    } else if (m !== undefined && step.kind === "lease") {
      const workerId = `mw-${leases++}`
      const next = leaseOutcome(m, t)
      const got = await run(store.jobLeaseAcquire({ workerId, queues: [m.queue], maxJobs: 1, leaseSeconds: step.leaseSeconds, now }))
      expect(got.map((j) => [j.id, j.attempts]), where).toEqual(next === null ? [] : [[m.id, next.attempts]])
      if (next !== null) granted(m, next, got[0]!.lease_token, workerId, t + step.leaseSeconds * 1000, where)
    } else if (m !== undefined && (step.kind === "cancel" || step.kind === "retry")) {
      const next = machine(m, { type: step.kind === "cancel" ? "CANCEL" : "RETRY" })
      const effect = step.kind === "cancel" ? store.jobCancel({ id: m.id, now }) : store.jobRetry({ id: m.id, now })
      if (next === null) await failsWith(effect, "InvalidTransition")
      else {
        expect((await run(effect)).status, where).toBe(next.status)
        settle(m, next)
        if (step.kind === "retry") m.runAt = t
      }
    } else if (m !== undefined && "token" in step) {
      const chosen = pickToken(m, step.token)
      const proof = { id: m.id, workerId: chosen.workerId, leaseToken: chosen.token, now }
      const holds = m.status === "processing" && chosen.token === m.token
      const repeat = step.kind === "complete" && m.status === "completed" && chosen.token === m.completedToken
      const ok = holds || repeat
      const event: JobMachineEvent | null =
        step.kind === "complete" ? { type: "COMPLETE" } : step.kind === "fail" ? { type: "FAIL", retryable: step.retryable } : step.kind === "release" ? { type: "RELEASE" } : null
      const next = holds && event !== null ? machine(m, event) : null
      if ((step.kind === "complete" || step.kind === "fail") && step.via === "batch") {
        const item =
          step.kind === "complete"
            ? { jobId: m.id, leaseToken: chosen.token, outcome: "completed" as const, result: index }
            : { jobId: m.id, leaseToken: chosen.token, outcome: "failed" as const, error: { message: `e${index}` }, retryable: step.retryable, retryInMs: step.retryInMs }
        const results = await run(store.leaseAckMany({ workerId: chosen.workerId, items: [item], now }))
        expect(results.map((r) => [r.job_id, r.ok, r.error?.code]), where).toEqual([[m.id, ok, ok ? undefined : "lease_lost"]])
      } else if (step.kind === "complete") {
        expect((await single(store.jobCompleteIfLeased({ ...proof, result: index }), ok))?.status, where).toBe(ok ? "completed" : undefined)
      } else if (step.kind === "fail") {
        const effect = store.jobFailIfLeased({ ...proof, error: { message: `e${index}` }, retryable: step.retryable, retryInMs: step.retryInMs })
        expect((await single(effect, ok))?.status, where).toBe(next?.status)
      } else if (step.kind === "release") {
        expect((await single(store.jobReleaseIfLeased(proof), ok))?.status, where).toBe(next?.status)
      } else if (step.via === "batch") {
        const items = [{ jobId: m.id, leaseToken: chosen.token }]
        const results = await run(store.leaseRenewMany({ workerId: chosen.workerId, items, leaseSeconds: step.leaseSeconds, now }))
        expect(results.map((r) => [r.job_id, r.ok, r.error?.code]), where).toEqual([[m.id, ok, ok ? undefined : "lease_lost"]])
      } else {
        const renewed = await single(store.jobRenewIfLeased({ ...proof, leaseSeconds: step.leaseSeconds }), ok)
        if (ok) expect(Date.parse(renewed!.lease_expires_at), where).toBe(t + step.leaseSeconds * 1000)
      }
      if (step.kind === "renew" && holds) m.leaseExpiresAt = t + step.leaseSeconds * 1000
      if (step.kind === "complete" && holds) m.completedToken = chosen.token
      if (next !== null) {
        settle(m, next)
        if (next.status === "retrying" && step.kind === "fail") m.runAt = t + step.retryInMs
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

/**
 * How many sequences the model test runs: LEASEHOLD_MODEL_RUNS (default 50). Zero or anything but a
 * positive integer is refused, so a run cannot pass without checking anything.
 */
export const modelRuns = (env: NodeJS.ProcessEnv = process.env): number => {
  const raw = env.LEASEHOLD_MODEL_RUNS
  if (raw === undefined || raw === "") return 50
  const n = Number(raw)
  if (!Number.isSafeInteger(n) || n < 1)
    throw new Error(`LEASEHOLD_MODEL_RUNS must be a positive integer (sequences to run; default 50), got "${raw}"`)
  return n
}

/** The model-based test: generated event sequences through the machine and the store agree. */
export const modelSuite = (makeStore: MakeStore, numRuns = modelRuns()): void =>
  void describe("model-based lifecycle", () => {
    const store = useStore(makeStore)
    it("agrees with JobMachine on every generated event sequence", async () => {
      await fc.assert(
        fc.asyncProperty(modelSteps, (steps) => runModel(store(), steps)),
        { numRuns }
      )
    })
  })
