/**
 * `pnpm bench` (part of the master's bench): reads, lease + ack and the pruner at scale. For each size
 * (1 M finished jobs; also 10 M with LEASEHOLD_BENCH_10M=1; SCALE_BENCH_SIZES=200000,... overrides) it
 * creates a database and an empty one, seeds the finished rows (`pnpm seed`'s code), then prints each
 * read's median and p99 over HTTP, lease + ack on the seeded and the empty table in alternated rounds
 * (SCALE_BENCH_LEASE_ROUNDS, default 3), and the pruner's rows/s with the lease p99 while it runs.
 * Prints, never asserts. Server: SCALE_BENCH_URL, else BENCH_DATABASE_URL / TEST_DATABASE_URL, else the
 * machine's PostgreSQL at 127.0.0.1:5432. SCALE_BENCH_KEEP=1 keeps the databases. SCALE_BENCH_DATABASE=URL
 * measures a database seeded beforehand (`pnpm seed`) instead, once; the prune pass deletes most of it.
 */
import { Effect } from "effect"
import postgres from "postgres"
import { API_BASE } from "@leasehold/contracts"
import { connect, makePgJobStore, migrate } from "@leasehold/store-postgres"
import { insertJobs, openClients, seedJobs, type Clients } from "@leasehold/store-postgres/testing"
import { withDatabase } from "@leasehold/tooling"
import { startMaster } from "../src/startMaster.ts"
import { silentLogger } from "../src/http/Logger.ts"
import { DEFAULT_PRUNE_DUTY_PERCENT } from "../src/config.ts"
import { PRUNE_STEP_ROWS, pruneFinishedPass } from "../src/loops/pruner.ts"

const SIZES = process.env.SCALE_BENCH_SIZES
  ? process.env.SCALE_BENCH_SIZES.split(",").map(Number)
  : [1_000_000, ...(process.env.LEASEHOLD_BENCH_10M === "1" ? [10_000_000] : [])]
const SERVER = process.env.SCALE_BENCH_URL ?? process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
/** Samples per read (after warm-up): enough for a p99 that is not the maximum of a handful. */
const READ_SAMPLES = Number(process.env.SCALE_BENCH_READS ?? 200)
const CONNECTIONS = 8
const LEASE_BATCH = 100
/** Jobs per lease + ack run: a few seconds on this machine. */
const LEASE_JOBS = Number(process.env.SCALE_BENCH_LEASE_JOBS ?? 40_000)
const PENDING = 10_000
/** Jobs the pruner phase's leasers may take (leased 10 at a time, for as long as the windows last). */
const PRUNE_LEASE_JOBS = LEASE_JOBS * 10
/** Alternated quiet and pruning windows (quiet first) and their length. */
const PRUNE_WINDOWS = Number(process.env.SCALE_BENCH_PRUNE_WINDOWS ?? 16)
const PRUNE_WINDOW_MS = Number(process.env.SCALE_BENCH_PRUNE_WINDOW_MS ?? 6_000)
/** Rows per pruner step (the master's constant unless SCALE_BENCH_PRUNE_STEP says otherwise). */
const PRUNE_STEP = Number(process.env.SCALE_BENCH_PRUNE_STEP ?? PRUNE_STEP_ROWS)
/**
 * The pruner deletes what finished before this many days ago, of the seeded week: 6/7 of the rows, so at
 * 1 M the pass does not run out before its last window (if it does, the rest of that window counts in neither phase).
 */
const PRUNE_AGE_DAYS = Number(process.env.SCALE_BENCH_PRUNE_DAYS ?? 1)
/** The pruner's duty cycle (the master's --prune-duty-percent); default: the master's default. */
const PRUNE_DUTY = process.env.SCALE_BENCH_PRUNE_DUTY === undefined ? DEFAULT_PRUNE_DUTY_PERCENT : Number(process.env.SCALE_BENCH_PRUNE_DUTY)
/** SCALE_BENCH_ONLY=prune skips the reads and the lease + ack comparison (a second pruner run on a kept database). */
const ONLY_PRUNE = process.env.SCALE_BENCH_ONLY === "prune"

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")
const ms = (n: number) => (n < 10 ? n.toFixed(2) : n.toFixed(1))
const quantile = (xs: number[], q: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor(q * xs.length))] ?? Number.NaN

interface LeaseRun {
  readonly perSecond: number
  readonly leaseP50: number
  readonly leaseP99: number
  readonly ackP99: number
}

/** Each connection leases `batch` and acks them until `total` jobs went through; per-call latencies kept. */
const leaseAck = async (clients: Clients, total: number, batch = LEASE_BATCH, queue = "bench"): Promise<LeaseRun> => {
  let done = 0
  const lease: number[] = []
  const ack: number[] = []
  const started = performance.now()
  await Promise.all(
    clients.stores.map(async (s, c) => {
      while (done < total) {
        const t0 = performance.now()
        const jobs = await Effect.runPromise(s.jobLeaseAcquire({ workerId: `w${c}`, queues: [queue], maxJobs: batch, leaseSeconds: 60 }))
        const t1 = performance.now()
        if (jobs.length === 0) break
        await Effect.runPromise(s.leaseAckMany({ workerId: `w${c}`, items: jobs.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const })) }))
        lease.push(t1 - t0)
        ack.push(performance.now() - t1)
        done += jobs.length
      }
    })
  )
  return { perSecond: done / ((performance.now() - started) / 1000), leaseP50: quantile(lease, 0.5), leaseP99: quantile(lease, 0.99), ackP99: quantile(ack, 0.99) }
}

/** Lease + ack rounds on the seeded table and on an empty one, alternated (which goes first alternates too). */
const LEASE_ROUNDS = Number(process.env.SCALE_BENCH_LEASE_ROUNDS ?? 3)

/**
 * Lease + ack of LEASE_JOBS fresh pending jobs, LEASE_ROUNDS times on each database, alternated, so both
 * see the same load (the counting triggers' own cost: `pnpm --filter @leasehold/store-postgres bench:costs`).
 */
const leaseAckAlternated = async (
  seeded: { readonly sql: postgres.Sql; readonly clients: Clients },
  empty: { readonly sql: postgres.Sql; readonly clients: Clients }
) => {
  const runs = { seeded: [] as LeaseRun[], empty: [] as LeaseRun[] }
  for (let r = 0; r < LEASE_ROUNDS; r++) {
    const queue = `bench-round-${r}`
    for (const db of [seeded, empty]) {
      await insertJobs(db.sql, LEASE_JOBS, { queue, type: "bench" })
      await db.sql`analyze jobs`
    }
    const order = r % 2 === 0 ? (["seeded", "empty"] as const) : (["empty", "seeded"] as const)
    for (const which of order) runs[which].push(await leaseAck((which === "seeded" ? seeded : empty).clients, LEASE_JOBS, LEASE_BATCH, queue))
  }
  return runs
}

const timeRead = async (url: string): Promise<{ p50: number; p99: number; status: number; rows: number }> => {
  let status = 0
  let rows = 0
  const xs: number[] = []
  for (let i = 0; i < READ_SAMPLES + 5; i++) {
    const t0 = performance.now()
    const res = await fetch(url)
    const body = (await res.json()) as { jobs?: unknown[] }
    if (i >= 5) xs.push(performance.now() - t0)
    status = res.status
    rows = body.jobs?.length ?? -1
  }
  return { p50: quantile(xs, 0.5), p99: quantile(xs, 0.99), status, rows }
}

/** An empty database of its own for the lease + ack comparison, migrated; `close` drops it. */
const openEmpty = async (root: postgres.Sql) => {
  const dbName = `lh_scale_bench_empty_${Date.now().toString(36)}`
  await root.unsafe(`create database "${dbName}"`)
  const url = withDatabase(SERVER, dbName)
  const sql = connect(url, { max: 2, application: "scale-bench", genericPlans: false })
  await migrate(sql)
  const clients = await openClients(url, CONNECTIONS)
  return {
    sql,
    clients,
    close: async () => {
      await clients.close()
      await sql.end({ timeout: 5 })
      await root.unsafe(`drop database if exists "${dbName}" with (force)`)
    }
  }
}

const benchSize = async (root: postgres.Sql, size: number) => {
  let closeEmpty: (() => Promise<void>) | undefined
  const reuse = process.env.SCALE_BENCH_DATABASE
  const dbName = reuse ? new URL(reuse).pathname.slice(1) : `lh_scale_bench_${size}_${Date.now().toString(36)}`
  if (!reuse) await root.unsafe(`create database "${dbName}"`)
  const url = reuse ?? withDatabase(SERVER, dbName)
  const sql = connect(url, { max: 2, application: "scale-bench", genericPlans: false })
  const master = await startMaster({ databaseUrl: url, port: 0, retentionMs: 0, poolMax: 10 }, { log: silentLogger })
  const clients = await openClients(url, CONNECTIONS)
  const lines: string[] = []
  const say = (s: string) => {
    console.log(s)
    lines.push(s)
  }
  try {
    const empty = await openEmpty(root)
    closeEmpty = empty.close
    if (reuse) {
      const [n] = await sql<{ n: number }[]>`select coalesce(sum(n), 0)::int8 as n from job_counts where status in ('completed', 'failed', 'cancelled')`
      size = n!.n
      say(`\n## ${fmt(size)} finished jobs (existing database ${dbName}, seeded by pnpm seed)`)
    } else {
      say(`\n## ${fmt(size)} finished jobs (database ${dbName})`)
      const seeded = await seedJobs(sql, {
        finished: size,
        pending: PENDING,
        chunk: 100_000,
        onProgress: (p) => process.stdout.write(`\rseed: ${p.phase} ${fmt(p.done)}/${fmt(p.total)}, ${fmt(p.rowsPerSecond)} rows/s   `)
      })
      const t0 = performance.now()
      await sql`vacuum analyze jobs`
      // The seed's dirty pages are written back now, not by a checkpoint in the middle of the measurements
      // (needs superuser or pg_checkpoint; without it the measurements may include that write-back).
      await sql`checkpoint`.catch(() => say("(no CHECKPOINT privilege: a checkpoint may run during the measurements)"))
      say(`\nseeded ${fmt(seeded.rows)} rows in ${seeded.seconds.toFixed(0)} s (${fmt(seeded.rows / seeded.seconds)} rows/s), vacuum analyze ${((performance.now() - t0) / 1000).toFixed(0)} s`)
    }
    // A workflow and some live leases, so the workflow_id and worker_id filters have something to find.
    const store = makePgJobStore({ sql })
    const wf = (await fetch(`${master.url}${API_BASE}/workflows`, {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({ jobs: Array.from({ length: 20 }, (_, k) => ({ key: `k${k}`, type: "step", queue: "flows" })) })
    }).then((r) => r.json())) as { workflow: { id: number } }
    await Effect.runPromise(store.jobLeaseAcquire({ workerId: "busy-worker", queues: ["mail"], maxJobs: 30, leaseSeconds: 3600 }))
    const [some] = await sql<{ id: number }[]>`select id from jobs where status = 'completed' order by id offset 1000 limit 1`

    const base = `${master.url}${API_BASE}`
    const reads: Array<[string, string]> = [
      ["GET /stats", "/stats"],
      ["GET /queues", "/queues"],
      ["GET /stats/throughput (60 min)", "/stats/throughput"],
      ["GET /stats/throughput?minutes=1440", "/stats/throughput?minutes=1440"],
      ["GET /jobs (no filter)", "/jobs?limit=50"],
      ["GET /jobs?status=failed", "/jobs?status=failed&limit=50"],
      ["GET /jobs?type=send_receipt&status=pending", "/jobs?type=send_receipt&status=pending&limit=50"],
      ["GET /jobs?type=charge&status=cancelled", "/jobs?type=charge&status=cancelled&limit=50"],
      ["GET /jobs?queue=mail", "/jobs?queue=mail&limit=50"],
      ["GET /jobs?queue=billing&status=failed&type=invoice", "/jobs?queue=billing&status=failed&type=invoice&limit=50"],
      ["GET /jobs?workflow_id=", `/jobs?workflow_id=${wf.workflow.id}&limit=50`],
      ["GET /jobs?worker_id=", "/jobs?worker_id=busy-worker&limit=50"],
      ["GET /jobs/{id}", `/jobs/${some!.id}`]
    ]
    if (!ONLY_PRUNE) say(`\n| read (HTTP, 1 client, ${READ_SAMPLES} samples) | median ms | p99 ms | rows |\n|---|---|---|---|`)
    for (const [name, path] of ONLY_PRUNE ? [] : reads) {
      const r = await timeRead(base + path)
      say(`| ${name} | ${ms(r.p50)} | ${ms(r.p99)} | ${r.status === 200 ? (r.rows < 0 ? "-" : r.rows) : `HTTP ${r.status}`} |`)
    }

    const mid = (xs: number[]) => quantile(xs, 0.5)
    if (!ONLY_PRUNE) {
      const runs = await leaseAckAlternated({ sql, clients }, empty)
      say(`\n| lease ${LEASE_BATCH} + ack, ${CONNECTIONS} connections, ${fmt(LEASE_JOBS)} jobs, median of ${LEASE_ROUNDS} alternated runs | jobs/s | lease p50 ms | lease p99 ms | ack p99 ms |\n|---|---|---|---|---|`)
      const row = (name: string, rs: LeaseRun[]) =>
        say(`| ${name} | ${fmt(mid(rs.map((r) => r.perSecond)))} | ${ms(mid(rs.map((r) => r.leaseP50)))} | ${ms(mid(rs.map((r) => r.leaseP99)))} | ${ms(mid(rs.map((r) => r.ackP99)))} |`)
      row("empty table", runs.empty)
      row(`${fmt(size)} finished`, runs.seeded)
      const ratios = runs.seeded.map((r, i) => r.perSecond / runs.empty[i]!.perSecond)
      say(`(at ${fmt(size)}: ${(100 * mid(ratios)).toFixed(0)} % of the empty table's throughput, median of the per-round ratios ${ratios.map((x) => (100 * x).toFixed(0)).join(" / ")} %)`)
    }

    // The pruner (the master's own pass) deletes what finished more than PRUNE_AGE_DAYS ago while 4 connections
    // lease 10 and ack, continuously, from one queue. Windows of PRUNE_WINDOW_MS alternate quiet and pruning
    // (the pass is stopped at a window's end and a new one started at the next pruning window's start), so
    // both phases share the backlog, the cache and the machine's load; each lease counts in the phase of the
    // window it started in.
    await insertJobs(sql, PRUNE_LEASE_JOBS, { queue: "bench-prune", type: "bench" })
    await sql`vacuum analyze jobs`
    const before = new Date(Date.now() - PRUNE_AGE_DAYS * 86_400_000)
    // "drained": a pruning window after its pass found nothing left to delete; those leases count in neither phase
    const phases = { quiet: [] as number[], pruning: [] as number[], drained: [] as number[] }
    const completed = { quiet: 0, pruning: 0, drained: 0 }
    let phase: "quiet" | "pruning" | "drained" = "quiet"
    let leasing = true
    let deleted = 0
    let pruneMs = 0
    const leasers = Promise.all(
      clients.stores.slice(0, 4).map(async (s, c) => {
        while (leasing) {
          const during = phase
          const t0 = performance.now()
          const jobs = await Effect.runPromise(s.jobLeaseAcquire({ workerId: `p${c}`, queues: ["bench-prune"], maxJobs: 10, leaseSeconds: 60 }))
          phases[during].push(performance.now() - t0)
          if (jobs.length === 0) break
          completed[during] += jobs.length
          await Effect.runPromise(s.leaseAckMany({ workerId: `p${c}`, items: jobs.map((j) => ({ jobId: j.id, leaseToken: j.lease_token, outcome: "completed" as const })) }))
        }
      })
    )
    let quietMs = 0
    for (let w = 0; w < PRUNE_WINDOWS; w++) {
      if (w % 2 === 0) {
        quietMs += PRUNE_WINDOW_MS
        phase = "quiet"
        await new Promise((r) => setTimeout(r, PRUNE_WINDOW_MS))
        continue
      }
      phase = "pruning"
      const end = performance.now() + PRUNE_WINDOW_MS
      const t0 = performance.now()
      deleted += await pruneFinishedPass(store, before, () => performance.now() >= end, PRUNE_DUTY, PRUNE_STEP)
      pruneMs += performance.now() - t0
      phase = "drained"
      const left = end - performance.now()
      if (left > 0) await new Promise((r) => setTimeout(r, left))
    }
    leasing = false
    await leasers
    say(`\n| pruner (bounded steps of ${fmt(PRUNE_STEP)}, the master's pass, duty ${PRUNE_DUTY} %; ${PRUNE_WINDOWS} alternated windows of ${PRUNE_WINDOW_MS / 1000} s) | |\n|---|---|`)
    const pruneRate = deleted / (pruneMs / 1000)
    const completionRate = completed.quiet / (quietMs / 1000)
    say(`| rows deleted | ${fmt(deleted)} in ${(pruneMs / 1000).toFixed(1)} s of pruning = ${fmt(pruneRate)} rows/s |`)
    say(`| completion rate of the 4 leasers in the quiet windows | ${fmt(completionRate)} jobs/s (the pruner deletes ${(pruneRate / completionRate).toFixed(1)} x that) |`)
    say(
      `| lease 10 p50 / p99, 4 connections leasing + acking: quiet windows / pruning windows | ` +
        `${ms(quantile(phases.quiet, 0.5))} / ${ms(quantile(phases.quiet, 0.99))} ms (${fmt(phases.quiet.length)} leases) / ` +
        `${ms(quantile(phases.pruning, 0.5))} / ${ms(quantile(phases.pruning, 0.99))} ms (${fmt(phases.pruning.length)} leases) |`
    )
    if (phases.drained.length > 0) say(`| (the pass ran out of rows: ${fmt(phases.drained.length)} leases in pruning windows after it ended, counted in neither phase) | |`)
  } finally {
    await closeEmpty?.()
    await clients.close()
    await master.stop()
    await sql.end({ timeout: 5 })
    if (!reuse && process.env.SCALE_BENCH_KEEP !== "1") await root.unsafe(`drop database if exists "${dbName}" with (force)`)
  }
  return lines
}

const main = async () => {
  const root = postgres(SERVER, { max: 1, onnotice: () => {} })
  try {
    const [v] = await root<{ v: string }[]>`select version() as v`
    console.log(`scale bench on ${SERVER.replace(/\/\/[^@]*@/, "//")} — ${v!.v.split(" on ")[0]}; sizes ${SIZES.map(fmt).join(", ")}`)
    const all: string[] = []
    for (const size of process.env.SCALE_BENCH_DATABASE ? [0] : SIZES) all.push(...(await benchSize(root, size)))
    console.log(`\n# summary\n${all.join("\n")}`)
  } finally {
    await root.end()
  }
}

await main()
