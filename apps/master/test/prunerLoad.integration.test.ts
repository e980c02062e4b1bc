import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import { connect } from "@leasehold/store-postgres"
import { countsFromRows, seedJobs } from "@leasehold/store-postgres/testing"
import type postgres from "postgres"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { setupMaster, type Call, type MasterFixture } from "./harness.ts"

/** The load runs PRUNER_LOAD_SECONDS (default 8); PRUNER_LOAD_SEED replays the printed seed. */
const SECONDS = Number(process.env.PRUNER_LOAD_SECONDS ?? 8)
const RETENTION_MS = 86_400_000
const QUEUES = ["mail", "webhooks", "default", "reports", "media", "billing", "wfold", "wfnew"]
const WORKERS = 6

let db: TestDatabase
let setup: MasterFixture
let sql: postgres.Sql
beforeAll(async () => {
  db = await createTestDatabase("lh_prune_load")
  // Migrates the database; keeps everything (retention 0) while the history is prepared.
  setup = await setupMaster({ retentionMs: 0 }, { db })
  sql = connect(db.url, { max: 2, application: "prune-load-test", genericPlans: false })
})
afterAll(async () => {
  await setup?.close()
  await sql?.end({ timeout: 5 })
  await db?.drop()
})

/** mulberry32, seeded and printed so a failing run can be replayed. */
const seeded = (seed: number) => {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let t = Math.imul(a ^ (a >>> 15), a | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Workflows of three chained jobs, the last one failed: finished (status failed) and retryable as a whole. */
const failedWorkflows = async (call: Call, queue: string, n: number): Promise<number[]> => {
  const ids: number[] = []
  for (let w = 0; w < n; w++) {
    const jobs = ["a", "b", "c"].map((key, k) => ({ key, type: "step", queue, depends_on: k === 0 ? [] : [["a", "b"][k - 1]] }))
    ids.push((await call("POST", `${API_BASE}/workflows`, { jobs })).body.workflow.id)
  }
  for (let step = 0; step < 3; step++) {
    const leased = (await call("POST", `${API_BASE}/jobs/lease`, { worker_id: "prep", queues: [queue], max_jobs: 100 })).body.jobs
    const items = leased.map((j: any) =>
      step < 2 ? { job_id: j.id, lease_token: j.lease_token, outcome: "completed" } : { job_id: j.id, lease_token: j.lease_token, outcome: "failed", error: { message: "no" }, retryable: false }
    )
    await call("POST", `${API_BASE}/leases/ack`, { worker_id: "prep", items })
  }
  return ids
}

describe("the pruner under load", () => {
  it("deletes only finished jobs past the retention (whole workflows only), never a pending, processing, blocked or retrying one, while leases, acks and retries run", async () => {
    const seed = Number(process.env.PRUNER_LOAD_SEED ?? Date.now() % 1_000_000)
    console.log(`pruner under load: seed ${seed} (replay: PRUNER_LOAD_SEED=${seed})`)
    const random = seeded(seed)
    const call = setup.http
    // History: 2 days of finished jobs (half past the 1-day retention), a pending backlog, old failed workflows.
    await seedJobs(sql, { finished: 12_000, pending: 1_500, days: 2, chunk: 4_000 })
    const oldWorkflows: number[] = []
    /** Failed workflows made two days old (past the retention): candidates of the pruner that a retry reopens. */
    const addOldWorkflows = async (queue: string, n: number) => {
      const ids = await failedWorkflows(call, queue, n)
      const twoDays = "2 days"
      await sql`update jobs set created_at = created_at - ${twoDays}::interval, updated_at = updated_at - ${twoDays}::interval,
                  completed_at = completed_at - ${twoDays}::interval, run_at = run_at - ${twoDays}::interval
                where workflow_id = any(${ids}::bigint[])`
      await sql`update workflows set created_at = created_at - ${twoDays}::interval, updated_at = updated_at - ${twoDays}::interval
                where id = any(${ids}::bigint[])`
      oldWorkflows.push(...ids)
    }
    await addOldWorkflows("wfold", 12)
    const oldFinished = (
      await sql<{ id: number }[]>`
        select id from jobs where status in ('failed', 'cancelled') and workflow_id is null
          and coalesce(completed_at, updated_at) < now() - interval '1 day' order by id`
    ).map((r) => r.id)
    expect(oldFinished.length).toBeGreaterThan(100)
    // Every delete, as the row was when it went.
    await sql.unsafe(`
      create table prune_audit (id bigint, status text, workflow_id bigint, finished_at timestamptz, deleted_at timestamptz);
      create function prune_audit() returns trigger language plpgsql as $$ begin
        insert into prune_audit values (old.id, old.status::text, old.workflow_id, coalesce(old.completed_at, old.updated_at), clock_timestamp());
        return null; end $$;
      create trigger prune_audit after delete on jobs for each row execute function prune_audit();`)

    const pruning = await setupMaster({ retentionMs: RETENTION_MS, pruneIntervalMs: 100, sweepIntervalMs: 200 }, { db })
    const until = Date.now() + SECONDS * 1000
    const pick = <A>(xs: ReadonlyArray<A>) => xs[Math.floor(random() * xs.length)]!
    const errors: string[] = []
    const expectOk = (what: string, r: { status: number; body: any }) => {
      if (r.status >= 300) errors.push(`${what}: ${r.status} ${JSON.stringify(r.body)}`)
      return r
    }
    let acked = 0
    const worker = async (w: number) => {
      const c = w % 2 === 0 ? pruning.http : call
      while (Date.now() < until) {
        const leased = expectOk("lease", await c("POST", `${API_BASE}/jobs/lease`, { worker_id: `w${w}`, queues: QUEUES, max_jobs: 20, lease_seconds: 30 })).body.jobs ?? []
        if (leased.length === 0) continue
        const items = leased.map((j: any) =>
          random() < 0.8
            ? { job_id: j.id, lease_token: j.lease_token, outcome: "completed", result: { ok: true } }
            : { job_id: j.id, lease_token: j.lease_token, outcome: "failed", error: { message: "flaky" }, retryable: true, retry_in_ms: Math.floor(random() * 2000) }
        )
        expectOk("ack", await c("POST", `${API_BASE}/leases/ack`, { worker_id: `w${w}`, items }))
        acked += items.length
      }
    }
    const operator = async () => {
      while (Date.now() < until) {
        const dice = random()
        if (dice < 0.1) await addOldWorkflows(`wfold-${Math.floor(random() * 1e9)}`, 3)
        else if (dice < 0.5) expectOk("bulk retry", await call("POST", `${API_BASE}/jobs/bulk/retry`, { ids: Array.from({ length: 20 }, () => pick(oldFinished)) }))
        else if (dice < 0.7) {
          // The newest old workflows: the ones the pruner is deleting right now.
          const recent = oldWorkflows.slice(-6)
          await Promise.all(recent.map(async (id) => expectOk("workflow retry", await call("POST", `${API_BASE}/workflows/${id}/retry`))))
        }
        else if (dice < 0.85) expectOk("enqueue", await call("POST", `${API_BASE}/jobs/batch`, { jobs: Array.from({ length: 50 }, () => ({ type: "fresh", queue: pick(QUEUES) })) }))
        else
          expectOk("workflow", await call("POST", `${API_BASE}/workflows`, {
            jobs: [{ key: "x", type: "step", queue: "wfnew" }, { key: "y", type: "step", queue: "wfnew", depends_on: ["x"] }]
          }))
      }
    }
    await Promise.all([...Array.from({ length: WORKERS }, (_, w) => worker(w)), operator()])
    await pruning.close()
    // The workflow and bulk answers may be 404 for what the pruner took first (never a 5xx).
    expect(errors.filter((e) => !/: 404 /.test(e))).toEqual([])

    const [audit] = await sql<{ deleted: number; unfinished: number; young: number; statuses: string[] }[]>`
      select count(*)::int as deleted,
             count(*) filter (where status not in ('completed', 'failed', 'cancelled'))::int as unfinished,
             count(*) filter (where finished_at >= deleted_at - ${`${RETENTION_MS} milliseconds`}::interval)::int as young,
             array_agg(distinct status) as statuses
      from prune_audit`
    console.log(`pruner under load: ${audit!.deleted} jobs pruned (${audit!.statuses.join(", ")}), ${acked} acked meanwhile`)
    expect(audit!.deleted).toBeGreaterThan(3_000)
    expect({ unfinished: audit!.unfinished, young: audit!.young }).toEqual({ unfinished: 0, young: 0 })
    // Workflows go whole: a workflow with a pruned job has no job left, and its row is gone.
    const [partial] = await sql<{ n: number; left: number }[]>`
      select count(*)::int as n,
             (select count(*) from workflows w where w.id in (select workflow_id from prune_audit))::int as left
      from jobs j where j.workflow_id in (select workflow_id from prune_audit where workflow_id is not null)`
    expect(partial).toEqual({ n: 0, left: 0 })
    // And the counters followed every delete.
    const stats = (await call("GET", `${API_BASE}/stats`)).body.queues
    const rows = await countsFromRows(sql)
    for (const [q, c] of Object.entries(rows)) expect(stats[q]).toMatchObject(c)
  }, (SECONDS + 120) * 1000)
})
