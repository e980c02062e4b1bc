import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { connect } from "./connect.ts"
import { setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore({ max: 4 })
})
afterAll(async () => {
  await t?.close()
})

/** A failed workflow a -> b (a completed, b failed), all of it made two days old: a pruning candidate. */
const oldFailedWorkflow = async (queue: string) => {
  const { workflow } = await Effect.runPromise(
    t.workflows.workflowCreate({ jobs: [{ key: "a", type: "t", queue }, { key: "b", type: "t", queue, dependsOn: ["a"] }] })
  )
  for (const outcome of ["completed", "failed"] as const) {
    const [j] = await Effect.runPromise(t.store.jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 1, leaseSeconds: 60 }))
    const item = outcome === "completed" ? { jobId: j!.id, leaseToken: j!.lease_token, outcome } : { jobId: j!.id, leaseToken: j!.lease_token, outcome, error: { message: "x" }, retryable: false }
    await Effect.runPromise(t.store.leaseAckMany({ workerId: "w", items: [item] }))
  }
  await t.sql`update jobs set created_at = created_at - interval '2 days', updated_at = updated_at - interval '2 days',
              completed_at = completed_at - interval '2 days', run_at = run_at - interval '2 days' where workflow_id = ${workflow.id}`
  await t.sql`update workflows set created_at = created_at - interval '2 days', updated_at = updated_at - interval '2 days' where id = ${workflow.id}`
  const ids = Object.fromEntries(workflow.jobs!.map((j) => [j.key, j.job_id]))
  return { id: workflow.id, a: ids.a!, b: ids.b! }
}

describe("workflow pruning races a retry", () => {
  it("a workflow reopened while the pruner looks at it stays whole: the pruner never deletes the job the retry made pending", async () => {
    const wf = await oldFailedWorkflow("prune-race")
    const other = connect(t.url, { max: 1, application: "retrying-operator" })
    try {
      // An operator's retry of b, in flight: b is pending in its transaction, not yet committed.
      let updated!: () => void
      let release!: () => void
      const isUpdated = new Promise<void>((ok) => (updated = ok))
      const released = new Promise<void>((ok) => (release = ok))
      const retried = other.begin(async (tx) => {
        await tx`update jobs set status = 'pending', attempts = 0, run_at = now(), updated_at = now(), completed_at = null where id = ${wf.b}`
        updated()
        await released
      })
      await isUpdated
      // The pruner starts on a snapshot where b is failed and old; the retry commits while it runs (or just after).
      const pruning = Effect.runPromise(t.store.workflowPruneFinished({ before: new Date(Date.now() - 3_600_000), limit: 10 }))
      await Promise.race([pruning, new Promise((ok) => setTimeout(ok, 300))])
      release()
      await retried
      const pruned = await pruning
      const left = await t.sql<{ id: number; status: string }[]>`select id, status::text from jobs where workflow_id = ${wf.id} order by id`
      expect({ pruned, left }).toEqual({ pruned: 0, left: [{ id: wf.a, status: "completed" }, { id: wf.b, status: "pending" }] })
      const [w] = await t.sql<{ n: number }[]>`select count(*)::int as n from workflows where id = ${wf.id}`
      expect(w!.n).toBe(1)
      // Once the retry finished and nothing reopened it since, the next pass would still leave it (b is young now).
      expect(await Effect.runPromise(t.store.workflowPruneFinished({ before: new Date(Date.now() - 3_600_000), limit: 10 }))).toBe(0)
    } finally {
      await other.end({ timeout: 5 })
    }
  })

  it("prunes a finished old workflow whole, jobs, edges and row", async () => {
    const wf = await oldFailedWorkflow("prune-whole")
    expect(await Effect.runPromise(t.store.workflowPruneFinished({ before: new Date(Date.now() - 3_600_000), limit: 10 }))).toBe(2)
    const [left] = await t.sql<{ jobs: number; edges: number; workflows: number }[]>`
      select (select count(*) from jobs where workflow_id = ${wf.id})::int as jobs,
             (select count(*) from workflow_edges where job_id in (${wf.a}, ${wf.b}) or dependent_id in (${wf.a}, ${wf.b}))::int as edges,
             (select count(*) from workflows where id = ${wf.id})::int as workflows`
    expect(left).toEqual({ jobs: 0, edges: 0, workflows: 0 })
  })
})
