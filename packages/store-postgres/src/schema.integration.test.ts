import { Effect } from "effect"
import postgres from "postgres"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { makePgJobStore } from "./PgJobStore.ts"
import { insertJobs, setupStore, type TestStore } from "./testing/index.ts"

let t: TestStore
beforeAll(async () => {
  t = await setupStore()
})
afterAll(async () => {
  await t?.close()
})

const sqlstate = (p: Promise<unknown>) =>
  p.then(
    () => "ok",
    (e: { code?: string }) => e.code
  )

interface PlanNode {
  readonly "Node Type": string
  readonly "Relation Name"?: string
  readonly "Index Name"?: string
  readonly Plans?: ReadonlyArray<PlanNode>
}
const nodes = (n: PlanNode): PlanNode[] => [n, ...(n.Plans ?? []).flatMap(nodes)]

describe("schema", () => {
  it("holds the lease invariants with CHECK constraints", async () => {
    const [id] = await insertJobs(t.sql, 1, { queue: "checks" })
    expect(await sqlstate(t.sql`update jobs set status = 'processing' where id = ${id!}`)).toBe("23514")
    expect(await sqlstate(t.sql`update jobs set lease_token = gen_random_uuid() where id = ${id!}`)).toBe("23514")
    expect(await sqlstate(t.sql`update jobs set worker_id = 'w' where id = ${id!}`)).toBe("23514")
    expect(await sqlstate(t.sql`update jobs set status = 'done' where id = ${id!}`)).toBe("22P02")
    expect(await sqlstate(t.sql`update jobs set attempts = max_attempts + 1 where id = ${id!}`)).toBe("23514")
    expect(
      await sqlstate(
        t.sql`update jobs set status = 'processing', worker_id = 'w', lease_token = gen_random_uuid(), leased_at = now(),
              lease_seconds = 30, lease_expires_at = now() + interval '30 seconds' where id = ${id!}`
      )
    ).toBe("ok")
    expect(await sqlstate(t.sql`update jobs set status = 'completed' where id = ${id!}`)).toBe("23514")
  })

  it("leases through the partial indexes, never scanning finished rows", async () => {
    await t.sql`
      insert into jobs (created_at, run_at, queue, type, status, attempts, updated_at, completed_at)
      select now(), now(), 'plan', 't', 'completed', 1, now(), now() from generate_series(1, 20000)`
    await insertJobs(t.sql, 50, { queue: "plan" })
    await t.sql`analyze jobs`
    const captured: Array<{ query: string; params: unknown[] }> = []
    const traced = postgres(t.url, {
      max: 1,
      onnotice: () => {},
      debug: (_c, query, params) => void captured.push({ query, params: params as unknown[] })
    })
    try {
      const leased = await Effect.runPromise(
        makePgJobStore({ sql: traced }).jobLeaseAcquire({ workerId: "w", queues: ["plan"], maxJobs: 10, leaseSeconds: 30 })
      )
      expect(leased).toHaveLength(10)
      const lease = captured.find((c) => c.query.includes("for update of j skip locked"))!
      const [row] = await t.sql.unsafe(`explain (format json) ${lease.query}`, lease.params as never[])
      const plan = (row as unknown as { "QUERY PLAN": Array<{ Plan: PlanNode }> })["QUERY PLAN"][0]!.Plan
      const onJobs = nodes(plan).filter((n) => n["Relation Name"] === "jobs")
      expect(onJobs.map((n) => n["Node Type"])).not.toContain("Seq Scan")
      expect(onJobs.map((n) => n["Index Name"])).toEqual(expect.arrayContaining(["jobs_leasable_idx", "jobs_processing_idx"]))
    } finally {
      await traced.end()
    }
  })
})
