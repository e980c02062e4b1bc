/**
 * `pnpm bench`: lease + ack throughput of the store beside a raw SQL baseline (8 connections, batch
 * 1 / 10 / 100), bulk enqueue jobs/s, and WAL bytes per job. Prints, never asserts.
 * Server: DATABASE_URL or TEST_DATABASE_URL when set, else a throwaway embedded PostgreSQL.
 * Which records that WAL is made of (per record type and relation): bench/walBreakdown.ts.
 */
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { Effect } from "effect"
import postgres from "postgres"
import { startEmbeddedPostgres, withDatabase } from "@leasehold/tooling"
import { connect, makePgJobStore, migrate } from "../src/index.ts"
import { insertJobs, openClients } from "../src/testing/index.ts"
import { createRawTable, rawComplete, rawInsert, rawLease } from "./rawBaseline.ts"

const CONNECTIONS = 8
/** Jobs per measurement: enough for a couple of seconds at each batch size on a small machine. */
const JOBS_AT: Record<number, number> = { 1: 6_000, 10: 30_000, 100: 120_000 }
const ENQUEUE_JOBS = 100_000
const ENQUEUE_BATCH = 1_000
const REPEATS = Number(process.env.BENCH_REPEATS ?? 3)
/** BENCH_BATCHES=100 (comma-separated) limits the lease + ack sizes; BENCH_ENQUEUE=0 skips the enqueue part. */
const BATCHES = (process.env.BENCH_BATCHES ?? "1,10,100").split(",").map(Number)
const ENQUEUE = process.env.BENCH_ENQUEUE !== "0"

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number
const walLsn = async (sql: postgres.Sql) => (await sql<{ lsn: string }[]>`select pg_current_wal_insert_lsn()::text as lsn`)[0]!.lsn
const walSince = async (sql: postgres.Sql, lsn: string) =>
  Number((await sql<{ d: string }[]>`select pg_wal_lsn_diff(pg_current_wal_insert_lsn(), ${lsn}::pg_lsn)::text as d`)[0]!.d)

/** CPU time (ms) the given server backends used so far; readable when the server runs on this machine. */
const backendCpuMs = (pids: ReadonlyArray<number>): number | undefined => {
  try {
    return pids.reduce((acc, pid) => {
      const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
      return acc + (Number(f[11]) + Number(f[12])) * 10
    }, 0)
  } catch {
    return undefined
  }
}

/** One measurement: throughput, WAL per job, and CPU per job in the client (this process) and the server. */
interface Sample {
  readonly perSecond: number
  readonly walPerJob: number
  readonly clientUs: number
  readonly serverUs: number | undefined
}

/** Runs `loop` on every connection until `total` jobs went through. */
const measure = async (
  admin: postgres.Sql,
  sqls: ReadonlyArray<postgres.Sql>,
  total: number,
  loop: (c: number, done: () => boolean, add: (n: number) => void) => Promise<void>
): Promise<Sample> => {
  let processed = 0
  // Read now: idle connections close after 30 s (between runs), and a reopened one has a new backend.
  const pids = await pidsOf(sqls)
  const lsn = await walLsn(admin)
  const server0 = backendCpuMs(pids)
  const client0 = process.cpuUsage()
  const started = performance.now()
  await Promise.all(Array.from({ length: CONNECTIONS }, (_, c) => loop(c, () => processed >= total, (n) => (processed += n))))
  const seconds = (performance.now() - started) / 1000
  const client = process.cpuUsage(client0)
  const server1 = backendCpuMs(pids)
  return {
    perSecond: processed / seconds,
    walPerJob: (await walSince(admin, lsn)) / processed,
    clientUs: (client.user + client.system) / processed,
    serverUs: server0 === undefined || server1 === undefined ? undefined : ((server1 - server0) * 1000) / processed
  }
}

const pidsOf = async (sqls: ReadonlyArray<postgres.Sql>) =>
  Promise.all(sqls.map(async (sql) => (await sql<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid))

const main = async () => {
  const external = process.env.DATABASE_URL ?? process.env.TEST_DATABASE_URL
  const dataDir = external ? undefined : mkdtempSync(join(tmpdir(), "leasehold-bench-"))
  const server = dataDir ? await startEmbeddedPostgres({ dataDir }) : undefined
  const adminUrl = external ?? server!.url
  const dbName = `lh_bench_${Date.now().toString(36)}`
  const root = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await root.unsafe(`create database "${dbName}"`)
  const url = withDatabase(adminUrl, dbName)
  const admin = connect(url, { max: 2, application: "leasehold-bench" })
  const clients = await openClients(url, CONNECTIONS)
  /** The baseline gets custom plans (its best): its bare statements degrade badly under generic plans. */
  const rawSqls = Array.from({ length: CONNECTIONS }, () => connect(url, { max: 1, genericPlans: false }))
  try {
    await migrate(admin)
    await createRawTable(admin)
    const settings = await admin<{ name: string; setting: string }[]>`
      select name, setting from pg_settings where name in ('fsync', 'synchronous_commit', 'full_page_writes', 'server_version')`
    console.log(`server: ${server ? "embedded" : "external"} ${settings.map((s) => `${s.name}=${s.setting}`).join(" ")}`)

    const store = makePgJobStore({ sql: admin })
    const enqueueRuns: Array<{ perSecond: number; walPerJob: number }> = []
    for (let r = 0; r < (ENQUEUE ? REPEATS : 0); r++) {
      await admin`truncate jobs`
      const lsn = await walLsn(admin)
      const started = performance.now()
      for (let i = 0; i < ENQUEUE_JOBS; i += ENQUEUE_BATCH) {
        const jobs = Array.from({ length: ENQUEUE_BATCH }, (_, k) => ({ type: "bench", queue: "enq", payload: { i: i + k } }))
        await Effect.runPromise(store.jobEnqueueMany({ jobs }))
      }
      const seconds = (performance.now() - started) / 1000
      enqueueRuns.push({ perSecond: ENQUEUE_JOBS / seconds, walPerJob: (await walSince(admin, lsn)) / ENQUEUE_JOBS })
    }
    if (ENQUEUE) console.log(
      `enqueue (batches of ${ENQUEUE_BATCH}, 1 connection): ${median(enqueueRuns.map((r) => r.perSecond)).toFixed(0)} jobs/s, ` +
        `${median(enqueueRuns.map((r) => r.walPerJob)).toFixed(0)} WAL bytes/job`
    )

    await admin`alter table jobs set (autovacuum_enabled = false)`
    await admin`alter table raw_jobs set (autovacuum_enabled = false)`
    console.log(`lease + ack, ${CONNECTIONS} connections, median of ${REPEATS} (autovacuum off while measuring; vacuum between runs):`)
    console.log("batch | store jobs/s | raw jobs/s | store/raw | WAL B/job store | raw | CPU us/job store client+server | raw client+server")
    for (const batch of BATCHES) {
      const total = JOBS_AT[batch] as number
      const storeRuns: Sample[] = []
      const rawRuns: Sample[] = []
      const runRaw = async () =>
        rawRuns.push(
          await measure(admin, rawSqls, total, async (c, done, add) => {
            const sql = rawSqls[c]!
            while (!done()) {
              const rows = await rawLease(sql, `w${c}`, "bench", batch)
              if (rows.length === 0) break
              await rawComplete(sql, rows.map((j) => Number(j.id)))
              add(rows.length)
            }
          })
        )
      const runStore = async () =>
        storeRuns.push(
          await measure(admin, clients.sqls, total, async (c, done, add) => {
            const s = clients.stores[c]!
            while (!done()) {
              const jobs = await Effect.runPromise(s.jobLeaseAcquire({ workerId: `w${c}`, queues: ["bench"], maxJobs: batch, leaseSeconds: 60 }))
              if (jobs.length === 0) break
              const items = jobs.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const }))
              await Effect.runPromise(s.leaseAckMany({ workerId: `w${c}`, items }))
              add(jobs.length)
            }
          })
        )
      for (let r = 0; r < REPEATS; r++) {
        await admin`truncate jobs`
        await admin`truncate raw_jobs`
        await insertJobs(admin, total, { queue: "bench", type: "bench" })
        await rawInsert(admin, "bench", total)
        await admin`vacuum analyze jobs`
        await admin`vacuum analyze raw_jobs`
        if (r % 2 === 0) {
          await runRaw()
          await runStore()
        } else {
          await runStore()
          await runRaw()
        }
      }
      const med = (runs: Sample[], f: (s: Sample) => number | undefined) => {
        const xs = runs.map(f).filter((x): x is number => x !== undefined)
        return xs.length ? median(xs) : Number.NaN
      }
      const sp = med(storeRuns, (r) => r.perSecond)
      const rp = med(rawRuns, (r) => r.perSecond)
      const cpu = (runs: Sample[]) => `${med(runs, (r) => r.clientUs).toFixed(1)} + ${med(runs, (r) => r.serverUs).toFixed(1)}`
      console.log(
        `${String(batch).padStart(5)} | ${sp.toFixed(0).padStart(12)} | ${rp.toFixed(0).padStart(10)} | ${((100 * sp) / rp).toFixed(0).padStart(8)}% | ` +
          `${med(storeRuns, (r) => r.walPerJob).toFixed(0).padStart(15)} | ${med(rawRuns, (r) => r.walPerJob).toFixed(0).padStart(3)} | ` +
          `${cpu(storeRuns).padStart(30)} | ${cpu(rawRuns)}`
      )
    }
  } finally {
    await clients.close()
    await Promise.all(rawSqls.map((s) => s.end()))
    await admin.end()
    await root.unsafe(`drop database if exists "${dbName}" with (force)`)
    await root.end()
    await server?.stop()
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  }
}

await main()
