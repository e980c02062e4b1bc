import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { mulberry32 } from "@leasehold/core"
import { testSeed } from "@leasehold/core/testing"
import { killAll, startMaster, startWorker, until, type MasterProc } from "./harness.ts"
import { setupDatabase } from "./db.ts"
import { get, orderViolations, post, randomDag } from "./workflowChecks.ts"

let env: Awaited<ReturnType<typeof setupDatabase>>
let master: MasterProc

beforeAll(async () => {
  env = await setupDatabase()
  master = await startMaster({ databaseUrl: env.db.url })
})

afterAll(async () => {
  await killAll()
  await env?.close()
})

describe("random DAGs through real worker processes", () => {
  it("runs three seeded random DAGs (the largest 2,000 jobs) with every job starting after all of its dependencies completed", async () => {
    const seed = testSeed("random DAG e2e")
    const random = mulberry32(seed)
    const sizes = [50 + Math.floor(random() * 250), 300 + Math.floor(random() * 700), 2000]
    const dags = sizes.map((size) => randomDag(random, size).map((j) => ({ ...j, queue: "dag" })))
    const ids: Array<number> = []
    for (const [i, dag] of dags.entries()) ids.push((await post(master.url, "/workflows", { name: `random-${seed}-${i}`, jobs: dag })).workflow.id)
    const workers = ["dag-a", "dag-b"].map((workerId) =>
      startWorker({ master: master.url, databaseUrl: env.db.url, workerId, concurrency: 16, args: ["--queues", "dag"] })
    )
    const started = Date.now()
    // Polled through the list (no graphs): a 2,000-node read every 150 ms would load the master it measures.
    await until(
      async () => {
        const { workflows } = await get(master.url, "/workflows?status=running&limit=500")
        return !workflows.some((w: { id: number }) => ids.includes(w.id))
      },
      `the DAGs to finish (seed ${seed})`,
      240_000
    )
    const finished = await Promise.all(ids.map(async (id) => (await get(master.url, `/workflows/${id}`)).workflow))
    console.log(`[random DAG e2e] ${sizes.join(" + ")} jobs ran in ${Date.now() - started} ms (seed ${seed})`)
    for (const w of workers) w.kill("SIGTERM")
    for (const w of workers) expect((await w.exited).code).toBe(0)
    for (const [i, wf] of finished.entries()) {
      expect(wf.status, `seed ${seed}`).toBe("completed")
      expect(wf.counts.completed).toBe(sizes[i])
      expect(await orderViolations(env.sql, ids[i]!, dags[i]!), `seed ${seed}`).toEqual([])
    }
    const [runs] = await env.sql<{ n: number; jobs: number }[]>`select count(*)::int as n, count(distinct job_id)::int as jobs from e2e_runs`
    expect(runs!.jobs).toBe(sizes.reduce((a, b) => a + b, 0))
  }, 300_000)
})
