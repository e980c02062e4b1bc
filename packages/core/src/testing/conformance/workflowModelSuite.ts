import { describe, expect, it } from "vitest"
import type { JobStatus, LeasedJob } from "@leasehold/contracts"
import { nextJobState, type JobMachineEvent } from "../../JobMachine.ts"
import type { NewWorkflowJob } from "../../WorkflowStore.ts"
import { testSeed } from "../testSeed.ts"
import { mulberry32 } from "../../retryPolicy.ts"
import { failsWith, run, testClock, unique } from "./support.ts"
import { useWorkflowStores, type MakeWorkflowStores, type WorkflowConformanceHarness } from "./workflowSupport.ts"

/** Random graphs per store by default; each runs up to STEPS events. Enough to reach every settle path in a few seconds on PostgreSQL. */
const RUNS = 12
const STEPS = 30

interface ModelJob {
  readonly key: string
  readonly deps: ReadonlyArray<string>
  readonly run: boolean
  status: JobStatus
  attempts: number
  id: number
  lease: LeasedJob | null
  /** Read back after each step: cancelled with last_error "dependency ..." (what an admin retry brings back). */
  cancelledByDependency: boolean
}

const terminal = (s: JobStatus) => s === "completed" || s === "failed" || s === "cancelled"

/**
 * The oracle: statuses move only through `JobMachine` events. Unblocking sends DEPENDENCIES_MET once every
 * dependency completed (or ended, under policy run), DEPENDENCY_FAILED when one failed or was cancelled
 * (policy cancel); admin retry is RETRY then, for the job and the dependents its end cancelled, REOPEN.
 */
class Model {
  readonly jobs = new Map<string, ModelJob>()
  send(job: ModelJob, event: JobMachineEvent): boolean {
    const next = nextJobState(job.status, { attempts: job.attempts, maxAttempts: 1 }, event)
    if (next === null) return false
    job.status = next.status
    job.attempts = next.attempts
    if (next.status !== "processing") job.lease = null
    return true
  }
  dependents(key: string): Array<ModelJob> {
    return [...this.jobs.values()].filter((j) => j.deps.includes(key))
  }
  judge(job: ModelJob): void {
    if (job.status !== "blocked") return
    const deps = job.deps.map((k) => this.jobs.get(k)!)
    if (!job.run && deps.some((d) => d.status === "failed" || d.status === "cancelled")) {
      this.send(job, { type: "DEPENDENCY_FAILED" })
      this.ended(job)
    } else if (deps.every((d) => d.status === "completed" || (job.run && terminal(d.status)))) this.send(job, { type: "DEPENDENCIES_MET" })
  }
  ended(job: ModelJob): void {
    for (const d of this.dependents(job.key)) this.judge(d)
  }
  reopen(start: ModelJob): void {
    const family = [start]
    for (let i = 0; i < family.length; i++) {
      for (const d of this.dependents(family[i]!.key)) {
        if (d.status === "cancelled" && d.cancelledByDependency && !family.includes(d)) family.push(d)
      }
    }
    for (const j of family) {
      if (j === start) j.status = "blocked" // RETRY already moved it to pending; together they are REOPEN
      else expect(this.send(j, { type: "REOPEN" })).toBe(true)
    }
    for (const j of family.sort((a, b) => a.id - b.id)) this.judge(j)
  }
}

const pick = <A>(random: () => number, xs: ReadonlyArray<A>): A | undefined => (xs.length === 0 ? undefined : xs[Math.floor(random() * xs.length)])

/** Checks every job of the workflow against the model, and the rule that nothing stays blocked with every dependency completed. */
const compare = async (h: WorkflowConformanceHarness, workflowId: number, model: Model, where: string) => {
  const wf = await run(h.workflows.workflowGet({ id: workflowId }))
  const actual = Object.fromEntries(wf.jobs.map((n) => [n.key, n.status]))
  const expected = Object.fromEntries([...model.jobs.values()].map((j) => [j.key, j.status]))
  expect(actual, where).toEqual(expected)
  for (const node of wf.jobs) {
    const job = await run(h.store.jobGet({ id: node.job_id }))
    const m = model.jobs.get(node.key)!
    m.cancelledByDependency = job.status === "cancelled" && job.last_error?.startsWith("dependency ") === true
    if (job.status !== "blocked") continue
    const open = m.deps.filter((k) => model.jobs.get(k)!.status !== "completed").sort()
    expect(job.waiting_for, `${where}: waiting_for of ${node.key}`).toEqual(open)
    expect(open.length, `${where}: ${node.key} blocked with every dependency completed`).toBeGreaterThan(0)
  }
}

/** One random run: a random DAG, then random events through both ports, compared with the model after each. */
const runOnce = async (h: WorkflowConformanceHarness, random: () => number) => {
  const clock = testClock(new Date("2035-05-01T00:00:00.000Z"))
  const now = () => clock.now()
  const queue = unique("wm")
  const withRunPolicy = random() < 0.5
  const model = new Model()
  const newJobs = (count: number, start: number): Array<NewWorkflowJob> => {
    const existing = [...model.jobs.keys()]
    const made: Array<NewWorkflowJob> = []
    for (let i = 0; i < count; i++) {
      const key = `k${start + i}`
      const pool = [...existing, ...made.map((m) => m.key)]
      // Mostly the last few keys: chains several levels deep, so failures and retries propagate far.
      const near = pool.slice(-3)
      const deps = [
        ...new Set(
          Array.from({ length: Math.floor(random() * 3) }, () => pick(random, random() < 0.7 ? near : pool)).filter((k): k is string => k !== undefined)
        )
      ]
      made.push({ key, type: "t", queue, dependsOn: deps, maxAttempts: 1, ...(withRunPolicy && random() < 0.3 ? { onDependencyFailure: "run" as const } : {}) })
    }
    return made
  }
  const insert = (jobs: ReadonlyArray<NewWorkflowJob>, ids: ReadonlyArray<number>) => {
    jobs.forEach((j, i) => {
      const m: ModelJob = { key: j.key, deps: j.dependsOn ?? [], run: j.onDependencyFailure === "run", status: "blocked", attempts: 0, id: ids[i]!, lease: null, cancelledByDependency: false }
      model.jobs.set(j.key, m)
    })
    for (const j of jobs) model.judge(model.jobs.get(j.key)!)
  }
  const first = newJobs(4 + Math.floor(random() * 10), 0)
  const { workflow } = await run(h.workflows.workflowCreate({ jobs: first, now: now() }))
  insert(first, first.map((j) => workflow.jobs.find((n) => n.key === j.key)!.job_id))
  await compare(h, workflow.id, model, "create")
  for (let step = 0; step < STEPS; step++) {
    const kind = pick(random, ["lease", "lease", "complete", "complete", "complete", "fail", "cancel", "retry", "add", "wfRetry", "wfCancel"])!
    const where = `step ${step} ${kind}`
    const jobs = [...model.jobs.values()]
    const target = pick(random, jobs)!
    const processing = jobs.filter((j) => j.status === "processing")
    if (kind === "lease") {
      const max = 1 + Math.floor(random() * 4)
      const leased = await run(h.store.jobLeaseAcquire({ workerId: "w-model", queues: [queue], maxJobs: max, leaseSeconds: 600, now: now() }))
      expect(leased.length, where).toBe(Math.min(max, jobs.filter((j) => j.status === "pending").length))
      for (const l of leased) {
        const m = model.jobs.get(l.key!)!
        expect(m.status, `${where}: leased ${l.key}`).toBe("pending")
        expect(Object.keys(l.dependencies ?? {}).sort(), where).toEqual([...m.deps].sort())
        model.send(m, { type: "LEASE", leaseExpired: false })
        m.lease = l
      }
    } else if (kind === "complete" || kind === "fail") {
      const m = pick(random, processing)
      if (m === undefined) continue
      const proof = { id: m.id, workerId: "w-model", leaseToken: m.lease!.lease_token, now: now() }
      if (kind === "complete") await run(h.store.jobCompleteIfLeased({ ...proof, result: m.key }))
      else await run(h.store.jobFailIfLeased({ ...proof, error: { message: "model" }, retryable: false }))
      model.send(m, kind === "complete" ? { type: "COMPLETE" } : { type: "FAIL", retryable: false })
      model.ended(m)
    } else if (kind === "cancel") {
      const legal = nextJobState(target.status, { attempts: target.attempts, maxAttempts: 1 }, { type: "CANCEL" }) !== null
      if (!legal) await failsWith(h.store.jobCancel({ id: target.id, now: now() }), "InvalidTransition")
      else {
        await run(h.store.jobCancel({ id: target.id, now: now() }))
        model.send(target, { type: "CANCEL" })
        model.ended(target)
      }
    } else if (kind === "retry" || kind === "wfRetry") {
      const targets = kind === "retry" ? [target] : jobs.filter((j) => j.status === "failed" || j.status === "cancelled").sort((a, b) => a.id - b.id)
      if (kind === "retry") {
        const legal = nextJobState(target.status, { attempts: target.attempts, maxAttempts: 1 }, { type: "RETRY" }) !== null
        if (!legal) {
          await failsWith(h.store.jobRetry({ id: target.id, now: now() }), "InvalidTransition")
          continue
        }
        await run(h.store.jobRetry({ id: target.id, now: now() }))
      } else await run(h.workflows.workflowRetry({ id: workflow.id, now: now() }))
      for (const t of targets) t.cancelledByDependency = false
      for (const t of targets) expect(model.send(t, { type: "RETRY" }), where).toBe(true)
      for (const t of targets) if (t.status === "pending") model.reopen(t)
    } else if (kind === "wfCancel") {
      const live = jobs.filter((j) => !terminal(j.status))
      if (live.length === 0) await failsWith(h.workflows.workflowCancel({ id: workflow.id, now: now() }), "InvalidTransition")
      else {
        await run(h.workflows.workflowCancel({ id: workflow.id, now: now() }))
        for (const j of live) model.send(j, { type: "CANCEL" })
      }
    } else {
      const added = newJobs(1 + Math.floor(random() * 3), model.jobs.size)
      if (jobs.every((j) => terminal(j.status))) {
        await failsWith(h.workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: added, now: now() }), "InvalidTransition")
        continue
      }
      const answer = await run(h.workflows.workflowJobsAdd({ workflowId: workflow.id, jobs: added, now: now() }))
      expect(answer.every((a) => !a.duplicate), where).toBe(true)
      insert(added, answer.map((a) => a.job_id))
    }
    clock.advance(1000)
    await compare(h, workflow.id, model, where)
  }
}

/** Seeded random graphs and events against the machine-driven model; the seed is printed. */
export const workflowModelSuite = (make: MakeWorkflowStores, runs = RUNS): void =>
  void describe("workflow model (random graphs, JobMachine as oracle)", () => {
    const h = useWorkflowStores(make)
    it(`agrees with the model over ${runs} random graphs`, async () => {
      const seed = testSeed("workflow model")
      for (let i = 0; i < runs; i++) {
        const random = mulberry32(seed + i)
        try {
          await runOnce(h(), random)
        } catch (e) {
          throw new Error(`workflow model run ${i} (seed ${seed}, run seed ${seed + i}): ${(e as Error).message}`, { cause: e })
        }
      }
    }, 120_000)
  })
