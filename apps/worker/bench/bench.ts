import postgres from "postgres"
import { makeWorkerUtils } from "graphile-worker"
import { freePort } from "@leasehold/tooling"
import { ROOT, adminConnect, createDb, dropDb, fmt, now, pickServer, sleep, start, stop, waitFor, type Proc } from "./benchSupport.ts"
import { startCpuAccounting, type CpuPerJob } from "./cpuAccounting.ts"

/**
 * `pnpm bench` (apps/worker): end to end, master and worker as separate processes on loopback.
 * No-op jobs per second from bulk enqueue to all completed, and enqueue-to-handler-start latency,
 * for Leasehold and for graphile-worker (batched mode, its own database on the same server), in the
 * same run; prints each run and the medians, with each process's CPU per job and the WAL bytes per job.
 * Cases: one worker process at concurrency 8 and 64, and 4 worker processes x concurrency 8 (against
 * 4 graphile-worker processes). BENCH_RUNS (default 3), BENCH_N (default 20,000), BENCH_CASES
 * (e.g. "1x8,1x64,4x8"), BENCH_DATABASE_URL (an admin URL; default the local server if reachable,
 * else an embedded one). WAL is server-wide: other activity on the server counts too.
 */
const N = Number(process.env.BENCH_N ?? 20_000)
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
/** `PxC`: P worker processes, each at concurrency C. */
const CASES = (process.env.BENCH_CASES ?? "1x8,1x64,4x8").split(",").map((c) => {
  const [procs, concurrency] = c.split("x").map(Number)
  return { procs: procs!, concurrency: concurrency!, label: c }
})
const LATENCY_SAMPLES = 200

const percentile = (values: ReadonlyArray<number>, p: number) => {
  const sorted = [...values].sort((a, b) => a - b)
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? Number.NaN
}
const median = (values: ReadonlyArray<number>) => percentile(values, 50)

/** Latencies printed by the handlers as `LAT <ms>`, consumed from a process's stdout. */
const takeLatencies = (p: Proc) => p.lines.splice(0).filter((l) => l.startsWith("LAT ")).map((l) => Number(l.slice(4)))

/** Calls the master served, from its /metrics: lease calls, jobs they leased, and acks sent alone. */
const callCounts = async (base: string) => {
  const text = await (await fetch(`${base}/metrics`)).text()
  const sum = (re: RegExp) => text.split("\n").filter((l) => re.test(l)).reduce((a, l) => a + Number(l.split(" ").pop()), 0)
  return {
    leaseCalls: sum(/^leasehold_lease_duration_seconds_count/),
    leased: sum(/^leasehold_jobs_leased_total/),
    ackCalls: sum(/^leasehold_http_request_duration_seconds_count\{[^}]*route="[^"]*leases\/ack"/),
    // Lease calls that brought jobs, and those of them the master answered within 50 ms (its own
    // histogram: time in the master, from the request read to the answer, long-poll waits included).
    leasedCalls: sum(/^leasehold_lease_duration_seconds_count\{[^}]*outcome="leased"/),
    leasedWithin50ms: sum(/^leasehold_lease_duration_seconds_bucket\{(?=[^}]*outcome="leased")(?=[^}]*le="0\.05")/)
  }
}

interface Result {
  readonly calls?: string
  readonly throughput: number
  readonly p50: number
  readonly p99: number
  readonly cpu: CpuPerJob
}

const benchLeasehold = async (admin: string, procs: number, concurrency: number): Promise<Result> => {
  const name = `lh_bench_${process.pid}`
  const url = await createDb(admin, name)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const master = start(["apps/master/src/main.ts", "--port", String(port), "--database-url", url, "--log-level", "warn"])
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  const workers: Array<Proc> = []
  try {
    await waitFor(() => fetch(`${base}/readyz`).then((r) => r.ok, () => false), "the master")
    for (let w = 0; w < procs; w++)
      workers.push(start([
        "apps/worker/src/main.ts", "--master", base, "--handlers", `${ROOT}apps/worker/bench/handlers.ts`,
        "--concurrency", String(concurrency), "--progress-interval", "0", "--log-level", "warn"
      ]))
    for (let w = 0; w < procs * 2; w++)
      await fetch(`${base}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "noop" }) })
    await waitFor(async () => (await sql`select count(*)::int as n from jobs where status = 'completed'`)[0]?.n === procs * 2, "the workers' warm-up jobs")
    const finish = await startCpuAccounting(sql, name, { master: [master.child.pid!], worker: workers.map((w) => w.child.pid!) })
    const calls0 = await callCounts(base)
    const t0 = now()
    for (let i = 0; i < N; i += 10_000) {
      const jobs = Array.from({ length: Math.min(10_000, N - i) }, () => ({ type: "noop" }))
      const res = await fetch(`${base}/api/v1/jobs/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jobs }) })
      if (!res.ok) throw new Error(`enqueue: ${res.status} ${await res.text()}`)
    }
    // Polled through the partial indexes (cost: the backlog, not the growing table), then verified once.
    await waitFor(async () => !(await sql`
        select exists(select 1 from jobs where status in ('pending', 'retrying'))
            or exists(select 1 from jobs where status = 'processing') as busy`)[0]?.busy, "all jobs completed")
    const throughput = N / ((now() - t0) / 1000)
    const cpu = await finish(N)
    const calls1 = await callCounts(base)
    const leaseCalls = calls1.leaseCalls - calls0.leaseCalls
    const slow = calls1.leasedCalls - calls1.leasedWithin50ms - (calls0.leasedCalls - calls0.leasedWithin50ms)
    const calls =
      `${fmt(leaseCalls)} lease calls (${fmt((calls1.leased - calls0.leased) / Math.max(1, leaseCalls), 1)} jobs each, ` +
      `${fmt(slow)} of those that leased took the master over 50 ms), ${fmt(calls1.ackCalls - calls0.ackCalls)} acks sent alone`
    const completed = (await sql`select count(*)::int as n from jobs where status = 'completed'`)[0]?.n
    if (completed !== N + procs * 2) throw new Error(`bench: ${completed} jobs completed, expected ${N + procs * 2}`)
    const latencyLines = () => workers.flatMap((w) => takeLatencies(w))
    latencyLines()
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      await fetch(`${base}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "noop", payload: { t: now() } }) })
      await sleep(5)
    }
    await waitFor(() => workers.reduce((n, w) => n + w.lines.filter((l) => l.startsWith("LAT ")).length, 0) >= LATENCY_SAMPLES, "latency samples", 60_000)
    const lat = latencyLines()
    return { throughput, p50: percentile(lat, 50), p99: percentile(lat, 99), cpu, calls }
  } finally {
    await Promise.all(workers.map(stop))
    await stop(master)
    await sql.end()
    await dropDb(admin, name)
  }
}

const benchGraphile = async (admin: string, procs: number, concurrency: number): Promise<Result> => {
  const name = `gw_bench_${process.pid}`
  const url = await createDb(admin, name)
  const utils = await makeWorkerUtils({ connectionString: url })
  await utils.migrate()
  const workers = Array.from({ length: procs }, () =>
    start(["apps/worker/bench/graphileWorker.ts"], { GW_DATABASE_URL: url, GW_CONCURRENCY: String(concurrency) })
  )
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  try {
    await waitFor(() => workers.every((w) => w.lines.includes("READY")), "graphile-worker to start")
    const finish = await startCpuAccounting(sql, name, { worker: workers.map((w) => w.child.pid!) })
    const t0 = now()
    for (let i = 0; i < N; i += 10_000) {
      await utils.addJobs(Array.from({ length: Math.min(10_000, N - i) }, () => ({ identifier: "noop", payload: {} })))
    }
    // graphile deletes finished jobs: the same cheap existence check, then verified once.
    await waitFor(async () => !(await sql`select exists(select 1 from graphile_worker._private_jobs) as busy`)[0]?.busy, "all jobs done")
    const throughput = N / ((now() - t0) / 1000)
    const cpu = await finish(N)
    const left = (await sql`select count(*)::int as n from graphile_worker._private_jobs`)[0]?.n
    if (left !== 0) throw new Error(`bench: ${left} graphile jobs left, expected 0`)
    const latencyLines = () => workers.flatMap((w) => takeLatencies(w))
    latencyLines()
    for (let i = 0; i < LATENCY_SAMPLES; i++) {
      await utils.addJob("noop", { t: now() })
      await sleep(5)
    }
    await waitFor(() => workers.reduce((n, w) => n + w.lines.filter((l) => l.startsWith("LAT ")).length, 0) >= LATENCY_SAMPLES, "latency samples", 60_000)
    const lat = latencyLines()
    return { throughput, p50: percentile(lat, 50), p99: percentile(lat, 99), cpu }
  } finally {
    await Promise.all(workers.map(stop))
    await utils.release()
    await sql.end()
    await dropDb(admin, name)
  }
}

const cpuLine = (cpu: CpuPerJob) =>
  `CPU us/job ${Object.entries(cpu.byGroup).map(([g, us]) => `${g} ${fmt(us, 1)} (sys ${fmt(cpu.sysByGroup[g] ?? Number.NaN, 1)})`).join(", ")}; WAL ${fmt(cpu.walBytes)} B/job`

const main = async () => {
  const server = await pickServer()
  console.log(`worker bench: N=${N}, ${RUNS} runs, cases ${CASES.map((c) => c.label).join(", ")} (processes x concurrency), PostgreSQL: ${server.source}`)
  const results: Record<string, Array<Result>> = {}
  try {
    for (let run = 1; run <= RUNS; run++) {
      for (const c of CASES) {
        for (const [system, fn] of [["leasehold", benchLeasehold], ["graphile-worker", benchGraphile]] as const) {
          const r = await fn(server.admin, c.procs, c.concurrency)
          ;(results[`${system} ${c.label}`] ??= []).push(r)
          console.log(
            `run ${run} ${system.padEnd(15)} ${c.label.padEnd(4)} ${fmt(r.throughput).padStart(7)} jobs/s   latency p50 ${fmt(r.p50, 2)} ms  p99 ${fmt(r.p99, 2)} ms   ${cpuLine(r.cpu)}${r.calls ? `; ${r.calls}` : ""}`
          )
        }
      }
    }
  } finally {
    await server.stop()
  }
  console.log(`\nmedians of ${RUNS} runs (N=${N}; PxC = P worker processes at concurrency C):`)
  for (const c of CASES) {
    const lh = results[`leasehold ${c.label}`] ?? []
    const gw = results[`graphile-worker ${c.label}`] ?? []
    const m = (rs: Array<Result>, k: "throughput" | "p50" | "p99") => median(rs.map((r) => r[k]))
    const mCpu = (rs: Array<Result>): CpuPerJob => ({
      byGroup: Object.fromEntries(Object.keys(rs[0]?.cpu.byGroup ?? {}).map((g) => [g, median(rs.map((r) => r.cpu.byGroup[g] ?? Number.NaN))])),
      sysByGroup: Object.fromEntries(Object.keys(rs[0]?.cpu.sysByGroup ?? {}).map((g) => [g, median(rs.map((r) => r.cpu.sysByGroup[g] ?? Number.NaN))])),
      walBytes: median(rs.map((r) => r.cpu.walBytes))
    })
    console.log(
      `${c.label}: leasehold ${fmt(m(lh, "throughput"))} jobs/s, p50 ${fmt(m(lh, "p50"), 2)} ms, p99 ${fmt(m(lh, "p99"), 2)} ms | ` +
        `graphile-worker ${fmt(m(gw, "throughput"))} jobs/s, p50 ${fmt(m(gw, "p50"), 2)} ms, p99 ${fmt(m(gw, "p99"), 2)} ms | ` +
        `throughput ratio ${fmt(m(lh, "throughput") / m(gw, "throughput"), 2)}x, p50 ratio ${fmt(m(lh, "p50") / m(gw, "p50"), 2)}x`
    )
    console.log(`    leasehold ${cpuLine(mCpu(lh))}`)
    console.log(`    graphile  ${cpuLine(mCpu(gw))}`)
  }
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  }
)
