/**
 * `pnpm --filter @leasehold/store-postgres bench:costs`: what parts of the schema cost the store's lease +
 * ack loop (every job completed), measured in ONE run on one server. Each variant is the migrated schema
 * in a database of its own with one change applied (VARIANTS: as migrated; counting triggers dropped;
 * the triggers kept with their transition tables but a function that returns at once; GET /jobs's index
 * dropped), and the variants
 * run interleaved (measureTogether), COSTS_RUNS times (default 3); medians are printed. Per variant:
 * PostgreSQL CPU per job (its backends' utime + stime from /proc: the server must run on this machine),
 * WAL bytes per job written to that database's blocks (pg_walinspect over the run's LSN range, so other
 * databases' writes on a shared server do not count; full-page images, which depend on when the last
 * checkpoint ran, and commit records, which name no block, are left out) and jobs/s of its own calls.
 *
 * COSTS_CODES=DIR,DIR,... runs every variant with each listed checkout's store code and migrations (a
 * checkout with its dependencies installed, e.g. the one `pnpm bench:compare -- REF` leaves in
 * /tmp/leasehold-bench-REF; `.` is this one), named <dir's last part>:<variant>, all interleaved: an
 * in-run A/B of versions of the statements and schema (default: this checkout only). Listing this
 * checkout twice (`.,DIR-of-the-same-commit`) is an A/A run: the noise floor.
 * COSTS_VARIANTS=a,b picks variants; COSTS_BATCH (default 100) jobs per lease; COSTS_CONNECTIONS
 * (default 8) lanes; COSTS_JOBS (default 60,000) jobs per variant and run.
 * Server: DATABASE_URL (default the machine's postgres://postgres@127.0.0.1:5432/postgres); databases
 * COSTS_DB_PREFIX (default lh_costs)_*, dropped at the end.
 */
import { readFileSync } from "node:fs"
import { loadavg } from "node:os"
import { Effect } from "effect"
import postgres from "postgres"
import { withDatabase } from "@leasehold/tooling"
import * as here from "../src/index.ts"
import * as hereTesting from "../src/testing/index.ts"

/** The store code a variant runs: this checkout's, or COSTS_BASE's. */
interface Code {
  readonly connect: typeof here.connect
  readonly migrate: (sql: postgres.Sql) => Promise<unknown>
  readonly insertJobs: typeof hereTesting.insertJobs
  readonly openClients: typeof hereTesting.openClients
}
const loadCode = async (dir: string | undefined): Promise<Code> => {
  if (!dir) return { ...here, ...hereTesting }
  const store = (await import(`${dir}/packages/store-postgres/src/index.ts`)) as typeof here
  const testing = (await import(`${dir}/packages/store-postgres/src/testing/index.ts`)) as typeof hereTesting
  return { connect: store.connect, migrate: store.migrate, insertJobs: testing.insertJobs, openClients: testing.openClients }
}

const CONNECTIONS = Number(process.env.COSTS_CONNECTIONS ?? 8)
const BATCH = Number(process.env.COSTS_BATCH ?? 100)
const JOBS = Number(process.env.COSTS_JOBS ?? 60_000)
const RUNS = Number(process.env.COSTS_RUNS ?? 3)

/** The counting triggers of 0020, re-created with the given function (same events, same transition tables). */
const countingTriggers = (fn: string) => `
  drop trigger if exists jobs_counted_insert on jobs;
  drop trigger if exists jobs_counted_update on jobs;
  drop trigger if exists jobs_counted_delete on jobs;
  create trigger jobs_counted_insert after insert on jobs
    referencing new table as new_rows for each statement execute function ${fn}();
  create trigger jobs_counted_update after update on jobs
    referencing old table as old_rows new table as new_rows for each statement execute function ${fn}();
  create trigger jobs_counted_delete after delete on jobs
    referencing old table as old_rows for each statement execute function ${fn}();`

/** Each variant: a name, what it is, and the SQL that turns the migrated schema into it. */
const VARIANTS: ReadonlyArray<{ readonly name: string; readonly what: string; readonly setup: string }> = [
  { name: "schema", what: "the migrations as they are", setup: "" },
  {
    name: "no-triggers",
    what: "counting triggers dropped (nothing counted)",
    setup: "drop trigger jobs_counted_insert on jobs; drop trigger jobs_counted_update on jobs; drop trigger jobs_counted_delete on jobs;"
  },
  {
    name: "capture-only",
    what: "0020's triggers with transition tables, the function returns at once",
    setup: `create function leasehold_bench_noop() returns trigger language plpgsql as $$ begin return null; end $$;
            ${countingTriggers("leasehold_bench_noop")}`
  },
  {
    name: "no-list-index",
    what: "jobs_list_idx (0021, GET /jobs) dropped: an ack no longer inserts its entry",
    setup: "drop index jobs_list_idx;"
  }
]

const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] as number

/** CPU time (ms) the given server backends used so far. */
const backendCpuMs = (pids: ReadonlyArray<number>): number =>
  pids.reduce((acc, pid) => {
    const f = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return acc + (Number(f[11]) + Number(f[12])) * 10
  }, 0)

interface Sample {
  readonly perSecond: number
  readonly serverUs: number
  readonly walPerJob: number
}

/** The flushed end of WAL (pg_walinspect reads no further; every committed statement of ours is before it). */
const lsnNow = async (sql: postgres.Sql) => (await sql<{ l: string }[]>`select pg_current_wal_flush_lsn()::text as l`)[0]!.l

/** One variant's database: migrated, the variant applied, its clients open. */
const openVariant = async (root: postgres.Sql, adminUrl: string, prefix: string, v: (typeof VARIANTS)[number], code: Code) => {
  const { connect, migrate, openClients } = code
  const name = `${prefix}_${v.name.replace(/[^a-z0-9]/g, "_")}`
  await root.unsafe(`drop database if exists "${name}" with (force)`)
  await root.unsafe(`create database "${name}"`)
  const url = withDatabase(adminUrl, name)
  const admin = connect(url, { max: 1, application: "leasehold-bench-costs" })
  await migrate(admin)
  if (v.setup) await admin.unsafe(v.setup)
  await admin`alter table jobs set (autovacuum_enabled = false)`
  const oid = Number((await admin<{ oid: number }[]>`select oid from pg_database where datname = current_database()`)[0]!.oid)
  const clients = await openClients(url, CONNECTIONS)
  return { ...v, db: name, admin, clients, oid, code }
}
type Variant = Awaited<ReturnType<typeof openVariant>>

/**
 * One measurement of every variant at once, interleaved: CONNECTIONS lanes, each running one lease + ack
 * cycle on each variant in turn (its own connection per variant), until every variant went through JOBS
 * jobs. So every variant runs under the same machine load, whatever other processes do meanwhile; each
 * one's CPU is read from its own backends and its WAL from the records of its own database.
 */
const measureTogether = async (root: postgres.Sql, vs: ReadonlyArray<Variant>): Promise<Sample[]> => {
  const pids: number[][] = []
  for (const v of vs) {
    await v.admin`truncate jobs`
    await v.code.insertJobs(v.admin, JOBS, { queue: "bench", type: "bench" })
    await v.admin`vacuum analyze jobs`
    pids.push(await Promise.all(v.clients.sqls.map(async (s) => (await s<{ pid: number }[]>`select pg_backend_pid() as pid`)[0]!.pid)))
  }
  const processed = vs.map(() => 0)
  const busyMs = vs.map(() => 0)
  const from = await lsnNow(root)
  const cpu0 = pids.map(backendCpuMs)
  await Promise.all(
    Array.from({ length: CONNECTIONS }, async (_, c) => {
      for (;;) {
        let any = false
        for (let k = 0; k < vs.length; k++) {
          if (processed[k]! >= JOBS) continue
          const s = vs[k]!.clients.stores[c]!
          const t0 = performance.now()
          const jobs = await Effect.runPromise(s.jobLeaseAcquire({ workerId: `w${c}`, queues: ["bench"], maxJobs: BATCH, leaseSeconds: 60 }))
          if (jobs.length === 0) {
            processed[k] = JOBS
            continue
          }
          await Effect.runPromise(s.leaseAckMany({ workerId: `w${c}`, items: jobs.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const })) }))
          busyMs[k]! += performance.now() - t0
          processed[k]! += jobs.length
          any = true
        }
        if (!any) break
      }
    })
  )
  const cpu1 = pids.map(backendCpuMs)
  const to = await lsnNow(root)
  const wal = await root<{ db: number; bytes: string }[]>`
    select (regexp_match(block_ref, ${"^blkref #\\d+: rel \\d+/(\\d+)/"}))[1]::int8 as db, sum(record_length - fpi_length)::text as bytes
    from pg_get_wal_records_info(${from}::pg_lsn, ${to}::pg_lsn)
    where block_ref like 'blkref%'
    group by 1`
  return vs.map((v, k) => ({
    // jobs per second of the time this variant's calls took, per lane (the lanes run CONNECTIONS at once)
    perSecond: (processed[k]! * CONNECTIONS) / (busyMs[k]! / 1000),
    serverUs: ((cpu1[k]! - cpu0[k]!) * 1000) / processed[k]!,
    walPerJob: Number(wal.find((w) => Number(w.db) === v.oid)?.bytes ?? 0) / processed[k]!
  }))
}

const main = async () => {
  const adminUrl = process.env.DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
  const picked = process.env.COSTS_VARIANTS?.split(",")
  const variants = VARIANTS.filter((v) => !picked || picked.includes(v.name))
  const dirs = (process.env.COSTS_CODES ?? ".").split(",")
  const codes = await Promise.all(dirs.map((d) => loadCode(d === "." ? undefined : d)))
  const label = (d: string) => (dirs.length === 1 ? "" : `${d === "." ? "here" : d.replace(/\/+$/, "").split("/").pop()!.replace(/^leasehold-bench-/, "")}:`)
  const prefix = `${process.env.COSTS_DB_PREFIX ?? "lh_costs"}_${Date.now().toString(36)}`
  const root = postgres(adminUrl, { max: 1, onnotice: () => {} })
  await root`create extension if not exists pg_walinspect`
  // A temporary slot (dropped with this session) keeps the WAL of the runs until pg_walinspect read it:
  // without it a checkpoint during a run may recycle the segments first.
  await root`select pg_create_physical_replication_slot(${`${prefix}_wal`}, true, true)`
  const open: Variant[] = []
  try {
    for (const v of variants) {
      for (const [k, code] of codes.entries()) open.push(await openVariant(root, adminUrl, `${prefix}_${k}`, { ...v, name: `${label(dirs[k]!)}${v.name}` }, code))
    }
    if (dirs.length > 1) console.log(`codes: ${dirs.map((d) => `${label(d)} ${d === "." ? "this checkout" : d}`).join(", ")}`)
    const samples = new Map<string, Sample[]>(open.map((v) => [v.name, []]))
    const loads: number[] = []
    console.log(`lease + ack, ${CONNECTIONS} lanes (a connection per lane and variant), batch ${BATCH}, ${JOBS} jobs per variant and measurement, ${RUNS} runs, variants interleaved`)
    for (let r = 0; r < RUNS; r++) {
      // the lanes visit the variants in a rotated order each run
      const order = open.map((_, k) => open[(r + k) % open.length]!)
      const results = await measureTogether(root, order)
      loads.push(loadavg()[0]!)
      order.forEach((v, k) => {
        const s = results[k]!
        samples.get(v.name)!.push(s)
        console.log(
          `run ${r + 1} ${v.name.padEnd(20)} ${s.perSecond.toFixed(0).padStart(6)} jobs/s  PG ${s.serverUs.toFixed(1).padStart(6)} us/job  ` +
            `WAL ${s.walPerJob.toFixed(0).padStart(4)} B/job  load ${loadavg()[0]!.toFixed(2)}`
        )
      })
    }
    console.log(`\nvariant              | PG us/job | WAL B/job | jobs/s | runs | what`)
    for (const v of open) {
      const xs = samples.get(v.name)!
      console.log(
        `${v.name.padEnd(20)} | ${median(xs.map((s) => s.serverUs)).toFixed(1).padStart(9)} | ${median(xs.map((s) => s.walPerJob)).toFixed(0).padStart(9)} | ` +
          `${median(xs.map((s) => s.perSecond)).toFixed(0).padStart(6)} | ${String(xs.length).padStart(4)} | ${v.what}`
      )
    }
    console.log(`load average (1 min) during the runs: median ${median(loads).toFixed(2)}, max ${Math.max(...loads).toFixed(2)}`)
  } finally {
    for (const v of open) {
      await v.clients.close()
      await v.admin.end()
      await root.unsafe(`drop database if exists "${v.db}" with (force)`)
    }
    await root.end()
  }
}

await main()
