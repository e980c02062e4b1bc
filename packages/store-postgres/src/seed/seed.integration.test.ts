import { execFile } from "node:child_process"
import { fileURLToPath } from "node:url"
import { promisify } from "node:util"
import { Effect } from "effect"
import { afterAll, beforeAll, describe, expect, it } from "vitest"
import { bucketsPerMinute, countsFromRows, finishedPerMinute, setupStore, totalsByMinute, type TestStore } from "../testing/index.ts"
import { seedJobs, type SeedProgress } from "./seedJobs.ts"

const FINISHED = 3_000
const PENDING = 400
const PACKAGE_DIR = fileURLToPath(new URL("../..", import.meta.url))

let t: TestStore
const progress: SeedProgress[] = []
const now = new Date()
beforeAll(async () => {
  t = await setupStore({ max: 2 })
  await seedJobs(t.sql, { finished: FINISHED, pending: PENDING, chunk: 700, now, onProgress: (p) => progress.push(p) })
})
afterAll(async () => {
  await t?.close()
})

describe("seedJobs", () => {
  it("inserts N finished jobs over the last 7 days and M pending, chunk by chunk, reporting each chunk", async () => {
    const [all] = await t.sql<{ n: number; finished: number; pending: number; oldest: Date; newest: Date }[]>`
      select count(*)::int as n,
             count(*) filter (where status in ('completed', 'failed', 'cancelled'))::int as finished,
             count(*) filter (where status = 'pending')::int as pending,
             min(coalesce(completed_at, updated_at)) filter (where status <> 'pending') as oldest,
             max(coalesce(completed_at, updated_at)) filter (where status <> 'pending') as newest
      from jobs`
    expect([all!.n, all!.finished, all!.pending]).toEqual([FINISHED + PENDING, FINISHED, PENDING])
    expect(all!.oldest.getTime()).toBeGreaterThanOrEqual(now.getTime() - 7 * 86_400_000)
    expect(all!.oldest.getTime()).toBeLessThan(now.getTime() - 6.9 * 86_400_000)
    expect(all!.newest.getTime()).toBeLessThanOrEqual(now.getTime())
    expect(progress.map((p) => `${p.phase} ${p.done}`)).toEqual([
      ...[700, 1400, 2100, 2800, 3000].map((n) => `finished ${n}`),
      `pending ${PENDING}`
    ])
  })

  it("makes realistic rows: mostly completed, some failed with 3 attempts of error history, some cancelled; several queues and types; ids in finish order", async () => {
    const byStatus = Object.fromEntries(
      (await t.sql<{ status: string; n: number }[]>`select status::text, count(*)::int as n from jobs group by 1`).map((r) => [r.status, r.n])
    )
    expect(byStatus.completed).toBeGreaterThan(FINISHED * 0.85)
    expect(byStatus.failed).toBeGreaterThan(FINISHED * 0.02)
    expect(byStatus.cancelled).toBeGreaterThan(FINISHED * 0.01)
    const [failed] = await t.sql<{ bad: number }[]>`
      select count(*)::int as bad from jobs where status = 'failed'
        and not (attempts = 3 and jsonb_array_length(errors) = 3 and last_error = errors->2->>'message' and errors->0 ? 'stack' and completed_at is not null)`
    expect(failed!.bad).toBe(0)
    const [completed] = await t.sql<{ bad: number }[]>`
      select count(*)::int as bad from jobs where status = 'completed'
        and not (attempts >= 1 and result is not null and completed_token is not null and completed_at is null and leased_at <= updated_at)`
    expect(completed!.bad).toBe(0)
    const [kinds] = await t.sql<{ queues: number; types: number; payload: number; result: number }[]>`
      select count(distinct queue)::int as queues, count(distinct type)::int as types,
             avg(octet_length(payload::text))::int as payload, avg(octet_length(result::text))::int as result from jobs`
    expect(kinds!.queues).toBeGreaterThanOrEqual(5)
    expect(kinds!.types).toBeGreaterThanOrEqual(10)
    expect(kinds!.payload).toBeGreaterThan(100)
    expect(kinds!.result).toBeGreaterThan(50)
    const [order] = await t.sql<{ inversions: number }[]>`
      select count(*)::int as inversions from (
        select coalesce(completed_at, updated_at) - lag(coalesce(completed_at, updated_at)) over (order by id) as d
        from jobs where status <> 'pending') x
      where d < interval '0'`
    expect(order!.inversions).toBe(0)
  })

  it("leaves counts, GET /stats and the throughput buckets equal to a count(*) over the rows", async () => {
    const expected = await countsFromRows(t.sql)
    expect(await Effect.runPromise(t.store.queueCountsGet({}))).toEqual(expected)
    const stats = await Effect.runPromise(t.store.statsGet({ now }))
    expect(Object.keys(stats.queues).sort()).toEqual(Object.keys(expected).sort())
    for (const [q, c] of Object.entries(expected)) expect(stats.queues[q]).toMatchObject(c)

    const perMinute = await finishedPerMinute(t.sql)
    const buckets = await bucketsPerMinute(t.sql)
    expect(buckets).toEqual(perMinute)
    const day = await Effect.runPromise(t.store.throughputGet({ minutes: 1440, now }))
    const fromRows = totalsByMinute(perMinute)
    expect(day).toHaveLength(1440)
    expect(day.some((m) => m.completed > 0)).toBe(true)
    for (const m of day) expect({ completed: m.completed, failed: m.failed }).toEqual(fromRows.get(Date.parse(m.at)) ?? { completed: 0, failed: 0 })
  })

  it("runs as `pnpm seed`: migrates if needed, seeds, prints progress per chunk", async () => {
    const { stdout } = await promisify(execFile)(
      "pnpm",
      ["exec", "tsx", "bin/seed.ts", "--", "--database-url", t.url, "--finished", "1k", "--pending", "200", "--chunk", "500", "--no-vacuum"],
      { cwd: PACKAGE_DIR }
    )
    expect(stdout).toMatch(/finished 500\/1,000 \(50\.0 %\), [\d,]+ rows\/s/)
    expect(stdout).toMatch(/seed: 1,200 rows in/)
    const [n] = await t.sql<{ n: number }[]>`select count(*)::int as n from jobs`
    expect(n!.n).toBe(FINISHED + PENDING + 1_200)
  }, 60_000)
})
