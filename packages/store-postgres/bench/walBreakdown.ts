/**
 * `pnpm exec tsx bench/walBreakdown.ts`: which WAL records lease and ack write, per job, for the store and the raw baseline
 * (pg_walinspect over the LSN range of each statement; one connection, so the ranges hold nothing else).
 * Server: DATABASE_URL or TEST_DATABASE_URL when set, else a throwaway embedded PostgreSQL.
 * WAL_JOBS (default 20,000) and WAL_BATCH (default 100) size the run.
 */
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import postgres from "postgres"
import { startEmbeddedPostgres, withDatabase } from "@leasehold/tooling"
import { connect, makePgJobStore, migrate } from "../src/index.ts"
import { insertJobs } from "../src/testing/index.ts"
import { createRawTable, rawComplete, rawInsert, rawLease } from "./rawBaseline.ts"

const JOBS = Number(process.env.WAL_JOBS ?? 20_000)
const BATCH = Number(process.env.WAL_BATCH ?? 100)
/** WAL_CONNECTIONS > 1 runs that many connections at once (as the bench does); then lease and ack share one range. */
const CONNECTIONS = Number(process.env.WAL_CONNECTIONS ?? 1)

type Phase = "lease" | "ack" | "lease + ack"
type Range = { readonly phase: Phase; readonly from: string; readonly to: string }
interface Stat {
  readonly kind: string
  readonly count: number
  readonly record: number
  readonly fpi: number
}

const lsn = async (sql: postgres.Sql) => (await sql<{ l: string }[]>`select pg_current_wal_insert_lsn()::text as l`)[0]!.l

/** Sums pg_get_wal_stats (per record type) over the ranges of one phase. */
const statsOf = async (sql: postgres.Sql, ranges: ReadonlyArray<Range>, phase: Phase) => {
  const mine = ranges.filter((r) => r.phase === phase)
  const rows = await sql<Stat[]>`
    select s."resource_manager/record_type" as kind, sum(s.count)::int8 as count,
           sum(s.record_size)::int8 as record, sum(s.fpi_size)::int8 as fpi
    from unnest(${mine.map((r) => r.from)}::pg_lsn[], ${mine.map((r) => r.to)}::pg_lsn[]) x(f, t)
    cross join lateral pg_get_wal_stats(x.f, x.t, true) s
    where s.count > 0
    group by 1 order by 3 desc`
  const bytes = await sql<{ d: string }[]>`
    select coalesce(sum(pg_wal_lsn_diff(t, f)), 0)::text as d
    from unnest(${mine.map((r) => r.from)}::pg_lsn[], ${mine.map((r) => r.to)}::pg_lsn[]) x(f, t)`
  return { rows, lsnBytes: Number(bytes[0]!.d) }
}

/** The same records by the relation of their first block (which index splits, which table prunes). */
const byRelation = async (sql: postgres.Sql, ranges: ReadonlyArray<Range>, phase: Phase, jobs: number) => {
  const mine = ranges.filter((r) => r.phase === phase)
  const rows = await sql<{ rel: string; kind: string; count: string; bytes: string }[]>`
    select coalesce(pg_filenode_relation(0, b.relfilenode)::text, b.relfilenode::text) as rel,
           b.resource_manager || '/' || b.record_type as kind, count(*)::text as count, sum(b.record_length)::text as bytes
    from unnest(${mine.map((r) => r.from)}::pg_lsn[], ${mine.map((r) => r.to)}::pg_lsn[]) x(f, t)
    cross join lateral (
      select distinct on (i.start_lsn) i.* from pg_get_wal_block_info(x.f, x.t) i order by i.start_lsn, i.block_id
    ) b
    group by 1, 2 order by sum(b.record_length) desc`
  for (const r of rows) {
    if (Number(r.bytes) / jobs < 0.5) continue
    console.log(`  ${r.rel.padEnd(26)} ${r.kind.padEnd(24)} ${(Number(r.count) / jobs).toFixed(3).padStart(7)} rec/job ${(Number(r.bytes) / jobs).toFixed(1).padStart(7)} B/job`)
  }
}

const report = (label: string, phase: Phase, jobs: number, s: Awaited<ReturnType<typeof statsOf>>) => {
  console.log(`${label} ${phase}: ${(s.lsnBytes / jobs).toFixed(1)} WAL B/job (LSN distance)`)
  for (const r of s.rows) {
    console.log(
      `  ${r.kind.padEnd(28)} ${(Number(r.count) / jobs).toFixed(3).padStart(7)} rec/job ` +
        `${(Number(r.record) / jobs).toFixed(1).padStart(7)} B/job  avg ${(Number(r.record) / Number(r.count)).toFixed(0).padStart(4)} B` +
        `${Number(r.fpi) > 0 ? `  FPI ${(Number(r.fpi) / jobs).toFixed(1)} B/job` : ""}`
    )
  }
}

type Lease = (c: number) => Promise<ReadonlyArray<unknown>>
type Ack = (c: number, rows: ReadonlyArray<unknown>) => Promise<unknown>

/**
 * Runs lease/ack pairs on every connection until leases find nothing. With one connection each
 * statement's LSN range is kept (lease and ack apart); with more, the ranges interleave, so the
 * whole run is one range.
 */
const drive = async (admin: postgres.Sql, lease: Lease, ack: Ack) => {
  const ranges: Range[] = []
  let jobs = 0
  const whole = await lsn(admin)
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      for (;;) {
        const a = CONNECTIONS === 1 ? await lsn(admin) : ""
        const rows = await lease(c)
        const b = CONNECTIONS === 1 ? await lsn(admin) : ""
        if (rows.length === 0) break
        await ack(c, rows)
        if (CONNECTIONS === 1) ranges.push({ phase: "lease", from: a, to: b }, { phase: "ack", from: b, to: await lsn(admin) })
        jobs += rows.length
      }
    })
  )
  ranges.push({ phase: "lease + ack", from: whole, to: await lsn(admin) })
  return { ranges, jobs }
}

const main = async () => {
  const external = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL
  const dataDir = external ? undefined : mkdtempSync(join(tmpdir(), "leasehold-wal-"))
  const server = dataDir ? await startEmbeddedPostgres({ dataDir }) : undefined
  const adminUrl = external ?? server!.url
  const dbName = `lh_wal_${Date.now().toString(36)}`
  const root = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await root.unsafe(`create database "${dbName}"`)
  const url = withDatabase(adminUrl, dbName)
  const sql = connect(url, { max: 1, application: "leasehold-wal" })
  const storeSqls = Array.from({ length: CONNECTIONS }, () => connect(url, { max: 1, application: "leasehold-wal" }))
  const stores = storeSqls.map((s) => makePgJobStore({ sql: s }))
  const raws = Array.from({ length: CONNECTIONS }, () => connect(url, { max: 1, genericPlans: false }))
  try {
    await migrate(sql)
    await createRawTable(sql)
    await sql`create extension if not exists pg_walinspect`
    const settings = await sql<{ name: string; setting: string }[]>`
      select name, setting from pg_settings where name in ('full_page_writes', 'server_version', 'wal_level')`
    console.log(`${settings.map((s) => `${s.name}=${s.setting}`).join(" ")}; ${JOBS} jobs, batch ${BATCH}, ${CONNECTIONS} connection(s)`)
    await insertJobs(sql, JOBS, { queue: "bench", type: "bench" })
    await rawInsert(sql, "bench", JOBS)
    await sql`vacuum analyze jobs`
    await sql`vacuum analyze raw_jobs`
    await sql`checkpoint`

    const s = await drive(
      sql,
      (c) => Effect.runPromise(stores[c]!.jobLeaseAcquire({ workerId: `w${c}`, queues: ["bench"], maxJobs: BATCH, leaseSeconds: 60 })),
      (c, jobs) =>
        Effect.runPromise(
          stores[c]!.leaseAckMany({
            workerId: `w${c}`,
            items: (jobs as Array<{ id: number; lease_token: string }>).map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const }))
          })
        )
    )
    const r = await drive(
      sql,
      (c) => rawLease(raws[c]!, `w${c}`, "bench", BATCH),
      (c, rows) => rawComplete(raws[c]!, (rows as Array<{ id: number }>).map((j) => Number(j.id)))
    )
    // pg_walinspect reads only flushed WAL (synchronous_commit may be off); a segment switch flushes it.
    await sql`select pg_switch_wal()`
    const phases = CONNECTIONS === 1 ? (["lease", "ack", "lease + ack"] as const) : (["lease + ack"] as const)
    for (const phase of phases) report("store", phase, s.jobs, await statsOf(sql, s.ranges, phase))
    for (const phase of phases) report("raw", phase, r.jobs, await statsOf(sql, r.ranges, phase))
    if (process.env.WAL_BY_RELATION === "1") {
      console.log("store lease + ack by relation (first block of each record):")
      await byRelation(sql, s.ranges, "lease + ack", s.jobs)
    }
  } finally {
    await sql.end()
    await Promise.all([...storeSqls.map((x) => x.end()), ...raws.map((x) => x.end())])
    await root.unsafe(`drop database if exists "${dbName}" with (force)`)
    await root.end()
    await server?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
