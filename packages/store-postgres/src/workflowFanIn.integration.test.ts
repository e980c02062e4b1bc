import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import type { LeasedJob } from "@leasehold/contracts"
import type { JobStoreShape } from "@leasehold/core"
import { connect } from "./connect.ts"
import { makePgJobStore } from "./PgJobStore.ts"
import { setupStore, type TestStore } from "./testing/index.ts"

const PARENTS = 1000
const CONNECTIONS = 16
const REPEATS = 20

let t: TestStore
let fast: ReturnType<typeof connect>
let store: JobStoreShape
beforeAll(async () => {
  t = await setupStore()
  // Commits that do not wait for the WAL flush keep 20 x 1,000 serialized completions quick; the locking
  // under test is the same (a session setting of this test's clients, not of the server).
  fast = connect(t.url, { max: CONNECTIONS, application: "leasehold-test", connection: { synchronous_commit: "off" } })
  store = makePgJobStore({ sql: fast })
})
afterAll(async () => {
  await fast?.end({ timeout: 5 })
  await t?.close()
})

const go = <A, E>(e: Effect.Effect<A, E>) => Effect.runPromise(e)

describe("fan-in under concurrency", () => {
  it(`${PARENTS} parents completed at once over ${CONNECTIONS} connections make the child pending once and leased once (x${REPEATS})`, async () => {
    for (let round = 0; round < REPEATS; round++) {
      const queue = `fan-${round}`
      const parents = Array.from({ length: PARENTS }, (_, i) => ({ key: `p${i}`, type: "p", queue }))
      const { workflow } = await go(
        t.workflows.workflowCreate({ jobs: [...parents, { key: "child", type: "c", queue: `${queue}-child`, dependsOn: parents.map((p) => p.key) }] })
      )
      const leased: Array<LeasedJob> = []
      while (leased.length < PARENTS) leased.push(...(await go(store.jobLeaseAcquire({ workerId: "w", queues: [queue], maxJobs: 1000, leaseSeconds: 60 }))))
      // half complete one by one, half in acks of 25: both paths, interleaved over every connection
      let next = 0
      await Promise.all(
        Array.from({ length: CONNECTIONS }, async (_, lane) => {
          while (next < leased.length) {
            if (lane % 2 === 0) {
              const j = leased[next++]!
              await go(store.jobCompleteIfLeased({ id: j.id, workerId: "w", leaseToken: j.lease_token }))
            } else {
              const batch = leased.slice(next, next + 25)
              next += batch.length
              await go(store.leaseAckMany({ workerId: "w", items: batch.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const })) }))
            }
          }
        })
      )
      const child = workflow.jobs[PARENTS]!
      const read = await go(store.jobGet({ id: child.job_id }))
      expect(read.status).toBe("pending")
      const takes = await Promise.all(
        Array.from({ length: 4 }, () => go(store.jobLeaseAcquire({ workerId: "w2", queues: [`${queue}-child`], maxJobs: 5, leaseSeconds: 60 })))
      )
      expect(takes.flat().map((j) => j.id)).toEqual([child.job_id])
      const [row] = await t.sql<{ wf_unmet: number; updated: number }[]>`select wf_unmet from jobs where id = ${child.job_id}`
      expect(row!.wf_unmet).toBe(0)
    }
    const stuck = await t.sql`
      select c.id from jobs c where c.status = 'blocked'
        and not exists (select 1 from workflow_edges e join jobs p on p.id = e.job_id where e.dependent_id = c.id and p.status <> 'completed')`
    expect(stuck).toEqual([])
  })
})
