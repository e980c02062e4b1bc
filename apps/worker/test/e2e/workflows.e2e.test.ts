import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { killAll, startMaster, startWorker, until, type MasterProc } from "./harness.ts"
import { setupDatabase } from "./db.ts"

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

const call = async (method: string, path: string, body?: unknown) => {
  const res = await fetch(`${master.url}${API_BASE}${path}`, {
    method,
    headers: body === undefined ? {} : { "content-type": "application/json" },
    body: body === undefined ? undefined : JSON.stringify(body)
  })
  return (await res.json()) as any
}

describe("workflows through a real worker process", () => {
  it("a split adds 500 maps and a reduce under its lease (a repeated add adds nothing); the reduce sees every map's result", async () => {
    const created = await call("POST", "/workflows", { jobs: [{ key: "split", type: "split", queue: "wf", payload: { n: 500 } }] })
    const id = created.workflow.id
    const worker = startWorker({ master: master.url, databaseUrl: env.db.url, workerId: "wf-worker", concurrency: 8, args: ["--queues", "wf"] })
    const done = await until(async () => {
      const wf = (await call("GET", `/workflows/${id}`)).workflow
      return wf.status !== "running" ? wf : undefined
    }, "the workflow to finish", 120_000)
    worker.kill("SIGTERM")
    expect(done.status).toBe("completed")
    expect(done.counts.completed).toBe(502)
    const byKey = new Map<string, number>(done.jobs.map((j: { key: string; job_id: number }) => [j.key, j.job_id]))
    expect((await call("GET", `/jobs/${byKey.get("split")}`)).job.result).toEqual({ added: 501, repeated_new: 0 })
    expect((await call("GET", `/jobs/${byKey.get("reduce")}`)).job.result).toEqual({ maps: 500, sum: 2 * ((499 * 500) / 2) })
    const [order] = await env.sql<{ reduce_started: Date; last_map_done: Date }[]>`
      select (select min(r.at) from e2e_runs r where r.job_id = ${byKey.get("reduce")!}) as reduce_started,
             (select max(j.updated_at) from jobs j where j.workflow_id = ${id} and j.type = 'map') as last_map_done`
    expect(order!.reduce_started.getTime()).toBeGreaterThanOrEqual(order!.last_map_done.getTime())
    const [runs] = await env.sql<{ n: number }[]>`
      select count(*)::int as n from e2e_runs r join jobs j on j.id = r.job_id where j.workflow_id = ${id}`
    expect(runs!.n).toBe(502)
  })
})
