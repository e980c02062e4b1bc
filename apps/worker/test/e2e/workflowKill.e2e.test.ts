import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { killAll, startMaster, startWorker, until, type MasterProc } from "./harness.ts"
import { setupDatabase } from "./db.ts"
import { blockedWithDependenciesMet, get, orderViolations, post, type DagJob } from "./workflowChecks.ts"

let env: Awaited<ReturnType<typeof setupDatabase>>
let master: MasterProc

beforeAll(async () => {
  env = await setupDatabase()
  master = await startMaster({ databaseUrl: env.db.url, sweepIntervalMs: 300 })
})

afterAll(async () => {
  await killAll()
  await env?.close()
})

/**
 * Three layers: 6 quick roots, 6 slow middles (each on two roots), 4 quick leaves (each on three
 * middles) and one final job on every leaf. The doomed worker runs slow jobs for ten minutes, so it
 * dies holding middles while the leaves wait on them.
 */
const graph = (): Array<DagJob> => {
  const roots = Array.from({ length: 6 }, (_, i) => ({ key: `root-${i}`, type: "record", depends_on: [] }))
  const middles = Array.from({ length: 6 }, (_, i) => ({
    key: `mid-${i}`,
    type: "slow",
    payload: { ms: 50 },
    depends_on: [`root-${i}`, `root-${(i + 1) % 6}`]
  }))
  const leaves = Array.from({ length: 4 }, (_, i) => ({ key: `leaf-${i}`, type: "record", depends_on: [0, 1, 2].map((d) => `mid-${(i + d) % 6}`) }))
  return [...roots, ...middles, ...leaves, { key: "final", type: "record", depends_on: leaves.map((l) => l.key) }]
}

describe("kill -9 mid-workflow", () => {
  it("a worker killed holding middle jobs: they are leased again, dependents run only once they complete, nothing stays blocked", async () => {
    const dag = graph()
    const { workflow } = await post(master.url, "/workflows", { name: "kill-9", jobs: dag.map((j) => ({ ...j, queue: "wfkill" })) })
    const doomed = startWorker({
      master: master.url,
      databaseUrl: env.db.url,
      workerId: "wf-doomed",
      concurrency: 4,
      args: ["--queues", "wfkill", "--lease-seconds", "2"],
      env: { E2E_SLOW_MS: "600000" }
    })
    const held = await until(async () => {
      const rows = await env.sql<{ job_id: string }[]>`select distinct job_id from e2e_runs where worker_id = 'wf-doomed' and event = 'start'`
      return rows.length === 4 ? rows.map((r) => Number(r.job_id)) : undefined
    }, "the doomed worker to hold 4 middle jobs")
    doomed.kill("SIGKILL")
    expect((await doomed.exited).signal).toBe("SIGKILL")
    const mid = (await get(master.url, `/workflows/${workflow.id}`)).workflow
    expect(mid.status).toBe("running")
    expect(mid.counts.blocked).toBeGreaterThanOrEqual(5) // every leaf and the final job still wait
    expect(await blockedWithDependenciesMet(env.sql)).toEqual([])

    const rescuer = startWorker({ master: master.url, databaseUrl: env.db.url, workerId: "wf-rescuer", concurrency: 4, args: ["--queues", "wfkill"] })
    const done = await until(async () => {
      const wf = (await get(master.url, `/workflows/${workflow.id}`)).workflow
      return wf.status !== "running" ? wf : undefined
    }, "the workflow to finish after the kill")
    rescuer.kill("SIGTERM")
    expect((await rescuer.exited).code).toBe(0)
    expect(done.status).toBe("completed")
    expect(done.counts.completed).toBe(dag.length)
    for (const id of held) {
      const job = (await get(master.url, `/jobs/${id}`)).job
      expect(job).toMatchObject({ status: "completed", attempts: 2 })
      expect(job.key).toMatch(/^mid-/)
    }
    const finishedBy = await env.sql<{ job_id: string; worker_id: string }[]>`
      select job_id, worker_id from e2e_runs where event = 'done' and job_id in ${env.sql(held)}`
    expect(finishedBy.map((r) => r.worker_id)).toEqual(held.map(() => "wf-rescuer"))
    // Dependents ran only after their dependencies completed: the first start of each job, including the
    // doomed worker's starts of the jobs it held, is at or after each dependency's completion.
    expect(await orderViolations(env.sql, workflow.id, dag)).toEqual([])
    expect(await blockedWithDependenciesMet(env.sql)).toEqual([])
    const [left] = await env.sql<{ n: number }[]>`select count(*)::int as n from jobs where status in ('blocked', 'pending', 'processing', 'retrying')`
    expect(left!.n).toBe(0)
  }, 180_000)
})
