import { spawn } from "node:child_process"
import { monitorEventLoopDelay } from "node:perf_hooks"
import { fileURLToPath } from "node:url"
import postgres from "postgres"
import { Effect } from "effect"
import type { LeaseRequest, AckRequest } from "@leasehold/contracts"
import { WorkerPool, type MasterClientShape } from "@leasehold/core"
import { freePort, withDatabase } from "@leasehold/tooling"
import { makeHttpMasterClient } from "../src/HttpMasterClient.ts"

/**
 * `pnpm probe` (apps/worker): where a worker's time goes. Starts a master process, runs a pool in this
 * process over a timing client, and prints lease batch sizes and round trips, the gap between a lease's
 * answer and the next lease, ack batch sizes, the worker's CPU per job and its event-loop delay.
 * Env: PROBE_N (8,000), PROBE_C (concurrency, 64), PROBE_MAX_LEASES (2), PROBE_ACK_WINDOW_MS (10),
 * PROBE_DATABASE_URL (an admin URL; default the local server), PROBE_MASTER_PROFILE (a directory: CPU-profile the master),
 * PROBE_MASTER_ROOT (a checkout to run the master from, e.g. a git worktree at a fixed commit; default this one).
 */
const ROOT = fileURLToPath(new URL("../../../", import.meta.url))
const N = Number(process.env.PROBE_N ?? 8000)
const C = Number(process.env.PROBE_C ?? 64)
const admin = process.env.PROBE_DATABASE_URL ?? "postgres://postgres@127.0.0.1:5432/postgres"
const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms))
const t = () => performance.now()
const median = (xs: ReadonlyArray<number>): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? Number.NaN
const mean = (xs: ReadonlyArray<number>) => xs.reduce((a, b) => a + b, 0) / Math.max(1, xs.length)

const name = `probe_${process.pid}`
const sql = postgres(admin, { max: 1, onnotice: () => {} })
await sql.unsafe(`create database "${name}"`)
const port = await freePort()
const base = `http://127.0.0.1:${port}`
const master = spawn(
  process.execPath,
  [
    ...(process.env.PROBE_MASTER_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.PROBE_MASTER_PROFILE}`] : []),
    "--import", "tsx", "apps/master/src/main.ts", "--port", String(port), "--database-url", withDatabase(admin, name), "--log-level", "warn"],
  { cwd: process.env.PROBE_MASTER_ROOT ?? ROOT, stdio: ["ignore", "ignore", "inherit"] }
)
try {
  while (!(await fetch(`${base}/readyz`).then((r) => r.ok, () => false))) await sleep(50)
  const http = makeHttpMasterClient({ url: base })
  const leases: Array<{ start: number; end: number; asked: number; got: number }> = []
  const acks: Array<{ start: number; end: number; size: number }> = []
  const client: MasterClientShape = {
    ...http,
    lease: (req: LeaseRequest) => {
      const start = t()
      return http.lease(req).pipe(Effect.tap((r) => Effect.sync(() => leases.push({ start, end: t(), asked: req.max_jobs ?? 1, got: r.jobs.length }))))
    },
    ack: (req: AckRequest) => {
      const start = t()
      return http.ack(req).pipe(Effect.tap(() => Effect.sync(() => acks.push({ start, end: t(), size: req.items.length }))))
    }
  }
  let done = 0
  let lastStart = 0
  const pool = WorkerPool.makeWorkerPool(client, {
    workerId: "probe",
    handlers: {
      noop: async () => {
        lastStart = t()
        return null
      }
    },
    concurrency: C,
    maxLeasesInFlight: Number(process.env.PROBE_MAX_LEASES ?? 2),
    ackWindowMs: Number(process.env.PROBE_ACK_WINDOW_MS ?? 10),
    onEvent: (e) => {
      if (e.type === "job:completed") done++
    }
  })
  pool.start()
  await sleep(300)
  const t0 = t()
  for (let i = 0; i < N; i += 10_000) {
    const jobs = Array.from({ length: Math.min(10_000, N - i) }, () => ({ type: "noop" }))
    const res = await fetch(`${base}/api/v1/jobs/batch`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ jobs }) })
    if (!res.ok) throw new Error(`enqueue: ${res.status}`)
  }
  const doneAtEnqueued = done
  const cpu0 = process.cpuUsage()
  const delay = monitorEventLoopDelay({ resolution: 1 })
  delay.enable()
  while (done < N) await sleep(10)
  const t1 = t()
  const cpu = process.cpuUsage(cpu0)
  delay.disable()
  const ls = leases.filter((l) => l.start >= t0)
  const as = acks.filter((a) => a.start >= t0)
  console.log(`c=${C} N=${N}: ${Math.round(N / ((t1 - t0) / 1000))} jobs/s; worker CPU ${((cpu.user + cpu.system) / Math.max(1, N - doneAtEnqueued)).toFixed(1)} µs/job`)
  console.log(
    `leases: ${ls.length}, mean asked ${mean(ls.map((l) => l.asked)).toFixed(1)}, mean got ${mean(ls.map((l) => l.got)).toFixed(1)}, ` +
      `round trip p50 ${median(ls.map((l) => l.end - l.start)).toFixed(2)} ms, answer-to-next-lease p50 ${median(ls.slice(1).map((l, i) => l.start - (ls[i]?.end ?? 0))).toFixed(2)} ms`
  )
  console.log(`acks: ${as.length}, mean size ${mean(as.map((a) => a.size)).toFixed(1)}, round trip p50 ${median(as.map((a) => a.end - a.start)).toFixed(2)} ms`)
  console.log(`event-loop delay: mean ${(delay.mean / 1e6).toFixed(2)} ms, p99 ${(delay.percentile(99) / 1e6).toFixed(2)} ms`)
  if (process.env.PROBE_LATENCY) {
    const lat: Array<number> = []
    const split: Array<[number, number, number]> = []
    for (let i = 0; i < 100; i++) {
      const before = leases.length
      const sent = t()
      const res = await fetch(`${base}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "noop" }) })
      const enqueued = t()
      await res.text()
      while (done < N + i + 1) await sleep(1)
      const l = leases.slice(before).find((x) => x.got > 0)
      if (l) split.push([enqueued - sent, l.end - sent, lastStart - l.end])
      lat.push(t() - sent)
      await sleep(5)
    }
    console.log(
      `single jobs: enqueue answered p50 ${median(split.map((s) => s[0])).toFixed(2)} ms, lease answered p50 ${median(split.map((s) => s[1])).toFixed(2)} ms after the enqueue was sent; ` +
        `lease answer to handler start p50 ${median(split.map((s) => s[2])).toFixed(3)} ms`
    )
  }
  await pool.stop()
} finally {
  master.kill("SIGTERM")
  await new Promise((r) => master.on("exit", r))
  await sql.unsafe(`drop database if exists "${name}" with (force)`)
  await sql.end()
}
process.exit(0)
