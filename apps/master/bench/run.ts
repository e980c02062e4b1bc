import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { API_BASE } from "@leasehold/contracts"
import { createTestDatabase, freePort, startEmbeddedPostgres, type TestDatabase } from "@leasehold/tooling"
import { makeClient } from "./httpClient.ts"
import { benchLeaseWithAcks, type LoopSample } from "./leaseWithAcks.ts"

/**
 * `pnpm bench`: the master as a separate process over real HTTP on loopback. Prints, never asserts.
 * BENCH_RUNS (default 3) repeats each measurement; the median is reported. A database comes from
 * BENCH_DATABASE_URL / TEST_DATABASE_URL (a fresh database is created on it), else an embedded PostgreSQL.
 */
const RUNS = Number(process.env.BENCH_RUNS ?? 3)
/** BENCH_ONLY=enqueue|lease|acks|latency runs one part (with BENCH_PROFILE=dir to profile the master). */
const ONLY = process.env.BENCH_ONLY
const part = (name: string) => ONLY === undefined || ONLY === name
/** BENCH_MAX_JOBS=100 (comma-separated) limits the lease + ack sizes. */
const LEASE_SIZES = (process.env.BENCH_MAX_JOBS ?? "1,10,100").split(",").map(Number)
const CLIENTS = 8
const MASTER_DIR = fileURLToPath(new URL("..", import.meta.url))

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const pct = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!
const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

const database = async (): Promise<{ url: string; source: string; close: () => Promise<void> }> => {
  const admin = process.env.BENCH_DATABASE_URL ?? process.env.TEST_DATABASE_URL
  if (admin) {
    process.env.LEASEHOLD_PG_ADMIN_URL = admin
    const db: TestDatabase = await createTestDatabase("lh_bench")
    return { url: db.url, source: "server from BENCH_DATABASE_URL/TEST_DATABASE_URL", close: db.drop }
  }
  const dir = mkdtempSync(join(tmpdir(), "leasehold-bench-"))
  const pg = await startEmbeddedPostgres({ dataDir: dir })
  return {
    url: pg.url,
    source: "embedded PostgreSQL (temp dir, fsync off)",
    close: async () => {
      await pg.stop()
      rmSync(dir, { recursive: true, force: true })
    }
  }
}

const startMasterProcess = async (databaseUrl: string): Promise<{ url: string; child: ChildProcess }> => {
  const port = await freePort()
  const profile = process.env.BENCH_PROFILE ? ["--cpu-prof", `--cpu-prof-dir=${process.env.BENCH_PROFILE}`] : []
  const child = spawn(process.execPath, [...profile, "--import", "tsx", "src/main.ts", "--port", String(port), "--database-url", databaseUrl, "--log-level", "warn", "--pool-max", process.env.BENCH_POOL_MAX ?? "12"], {
    cwd: MASTER_DIR,
    stdio: ["ignore", "inherit", "inherit"]
  })
  const url = `http://127.0.0.1:${port}`
  const deadline = Date.now() + 60_000
  for (;;) {
    if (child.exitCode !== null) throw new Error("master exited during start")
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { url, child }
    } catch {}
    if (Date.now() > deadline) throw new Error("master did not become ready")
    await new Promise((r) => setTimeout(r, 100))
  }
}

type Client = ReturnType<typeof makeClient>

/** CPU seconds a process has used (Linux /proc), to report the master's own cost per job. */
const cpuSeconds = (pid: number | undefined): number => {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
    return (Number(fields[11]) + Number(fields[12])) / 100
  } catch {
    return Number.NaN
  }
}

const enqueueBodies = (queue: string, total: number, batch: number) =>
  Array.from({ length: Math.ceil(total / batch) }, (_, b) =>
    JSON.stringify({ jobs: Array.from({ length: Math.min(batch, total - b * batch) }, (_, i) => ({ type: "bench", queue, payload: { n: b * batch + i, user: "u-123", tags: ["a", "b"] } })) })
  )

/** (1) bulk enqueue through POST /jobs/batch, 10,000 jobs per call, 2 concurrent producers. */
const benchEnqueue = async (client: Client, run: number) => {
  const total = 200_000
  const bodies = enqueueBodies(`enq-${run}`, total, 10_000)
  const started = performance.now()
  let next = 0
  await Promise.all(
    Array.from({ length: 2 }, async () => {
      while (next < bodies.length) {
        const body = bodies[next++]!
        const r = await client.call("POST", `${API_BASE}/jobs/batch`, body)
        if (r.status !== 201) throw new Error(`batch -> ${r.status} ${r.text.slice(0, 200)}`)
      }
    })
  )
  return total / ((performance.now() - started) / 1000)
}

/** (2) lease + ack with 8 concurrent clients until the queue is drained. */
const benchLeaseAck = async (client: Client, maxJobs: number, run: number, pid?: number) => {
  const queue = `la-${maxJobs}-${run}`
  const total = maxJobs === 1 ? 10_000 : maxJobs === 10 ? 50_000 : 200_000
  for (const body of enqueueBodies(queue, total, 10_000)) await client.call("POST", `${API_BASE}/jobs/batch`, body)
  let done = 0
  const cpu0 = cpuSeconds(pid)
  const started = performance.now()
  await Promise.all(
    Array.from({ length: CLIENTS }, async (_, i) => {
      const lease = JSON.stringify({ worker_id: `bench-${i}`, queues: [queue], max_jobs: maxJobs, lease_seconds: 300 })
      for (;;) {
        const { jobs } = await client.json("POST", `${API_BASE}/jobs/lease`, lease)
        if (jobs.length === 0) return
        const items = jobs.map((j: any) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" }))
        const ack = await client.json("POST", `${API_BASE}/leases/ack`, { worker_id: `bench-${i}`, items })
        done += ack.results.length
      }
    })
  )
  const seconds = (performance.now() - started) / 1000
  if (done !== total) throw new Error(`acknowledged ${done} of ${total}`)
  return { rate: total / seconds, cpuUs: ((cpuSeconds(pid) - cpu0) * 1e6) / total }
}

/** (3) enqueue-to-lease latency for one long-polling client; one job in flight at a time. */
const benchLatency = async (client: Client, run: number) => {
  const queue = `lat-${run}`
  const fromSend: Array<number> = []
  const fromAck: Array<number> = []
  const lease = JSON.stringify({ worker_id: "lat", queues: [queue], wait_ms: 30_000 })
  for (let i = 0; i < 1200; i++) {
    const polling = client.json("POST", `${API_BASE}/jobs/lease`, lease).then((r) => ({ r, at: performance.now() }))
    await new Promise((r) => setTimeout(r, 2))
    const sent = performance.now()
    const enq = await client.json("POST", `${API_BASE}/jobs`, { type: "lat", queue })
    const acked = performance.now()
    const { r, at } = await polling
    if (r.jobs[0]?.id !== enq.job.id) throw new Error("latency: wrong job leased")
    await client.json("POST", `${API_BASE}/leases/ack`, { worker_id: "lat", items: [{ job_id: enq.job.id, lease_token: r.jobs[0].lease_token, outcome: "completed" }] })
    if (i >= 200) {
      fromSend.push(at - sent)
      fromAck.push(Math.max(0, at - acked))
    }
  }
  return { p50: pct(fromSend, 50), p99: pct(fromSend, 99), ackP50: pct(fromAck, 50), ackP99: pct(fromAck, 99) }
}

const main = async () => {
  const db = await database()
  const master = await startMasterProcess(db.url)
  const client = makeClient(master.url)
  console.log(`leasehold master bench: ${RUNS} runs, medians; master = separate process at ${master.url}; database = ${db.source}`)
  try {
    const enq: Array<number> = []
    const la: Record<number, Array<number>> = { 1: [], 10: [], 100: [] }
    const lat: Array<{ p50: number; p99: number; ackP50: number; ackP99: number }> = []
    const cpu: Record<string, Array<number>> = { enqueue: [], la100: [] }
    const lwa: Array<{ http: LoopSample; raw: LoopSample }> = []
    for (let run = 0; run < RUNS; run++) {
      const c0 = cpuSeconds(master.child.pid)
      enq.push(part("enqueue") ? await benchEnqueue(client, run) : Number.NaN)
      cpu.enqueue!.push(((cpuSeconds(master.child.pid) - c0) * 1e6) / 200_000)
      for (const m of part("lease") ? LEASE_SIZES : []) {
        const r = await benchLeaseAck(client, m, run, master.child.pid)
        la[m]!.push(r.rate)
        if (m === 100) cpu.la100!.push(r.cpuUs)
      }
      if (part("acks")) lwa.push(await benchLeaseWithAcks(client, db.url, master.child.pid, run))
      lat.push(part("latency") ? await benchLatency(client, run) : { p50: Number.NaN, p99: Number.NaN, ackP50: Number.NaN, ackP99: Number.NaN })
      console.log(`  run ${run + 1}: enqueue ${fmt(enq.at(-1)!)} jobs/s; lease+ack ${[1, 10, 100].map((m) => `${m}: ${fmt(la[m]!.at(-1) ?? Number.NaN)}`).join(", ")} jobs/s; latency p50 ${lat.at(-1)!.p50.toFixed(2)} ms p99 ${lat.at(-1)!.p99.toFixed(2)} ms`)
    }
    console.log("results (median of runs):")
    console.log(`  bulk enqueue (POST /jobs/batch, 10,000 per call):  ${fmt(median(enq))} jobs/s   (target >= 100,000)`)
    for (const m of [1, 10, 100]) console.log(`  lease + ack, 8 clients, max_jobs ${String(m).padEnd(3)}:        ${fmt(la[m]!.length ? median(la[m]!) : Number.NaN)} jobs/s${m === 100 ? "   (target >= 35,000)" : ""}`)
    console.log(`  enqueue-to-lease latency (from enqueue sent):     p50 ${median(lat.map((l) => l.p50)).toFixed(2)} ms, p99 ${median(lat.map((l) => l.p99)).toFixed(2)} ms   (target p50 <= 1.5, p99 <= 8)`)
    console.log(`  master CPU per job: enqueue ${median(cpu.enqueue!).toFixed(1)} us, lease+ack at max_jobs 100 ${(cpu.la100!.length ? median(cpu.la100!) : Number.NaN).toFixed(1)} us`)
    if (lwa.length > 0) {
      const m = (f: (s: { http: LoopSample; raw: LoopSample }) => number) => median(lwa.map(f))
      console.log(
        `  lease with acks (one call per cycle), 8 clients, batch 100: ${fmt(m((s) => s.http.rate))} jobs/s vs raw two-statement loop ${fmt(m((s) => s.raw.rate))} jobs/s ` +
          `= ${(m((s) => s.http.rate / s.raw.rate)).toFixed(2)}x (median of per-run ratios)`
      )
      console.log(
        `    CPU us/job: master ${m((s) => s.http.masterUs).toFixed(1)}, PostgreSQL ${m((s) => s.http.serverUs).toFixed(1)} (raw loop's PostgreSQL ${m((s) => s.raw.serverUs).toFixed(1)}); ` +
          `WAL ${fmt(m((s) => s.http.walBytes))} B/job (raw ${fmt(m((s) => s.raw.walBytes))})`
      )
      const trips = lwa.flatMap((s) => s.http.roundTrips)
      const rawTrips = lwa.flatMap((s) => s.raw.roundTrips)
      const dist = (xs: Array<number>) =>
        `p50 ${pct(xs, 50).toFixed(2)} ms, p99 ${pct(xs, 99).toFixed(2)} ms, max ${Math.max(...xs).toFixed(2)} ms, over 50 ms: ${xs.filter((t) => t > 50).length}`
      console.log(`    lease round trip after warm-up (all runs, ${trips.length} calls): ${dist(trips)}`)
      console.log(`    raw loop's cycle (lease + complete, two round trips) after warm-up (${rawTrips.length} cycles): ${dist(rawTrips)}`)
    }
    console.log(`  enqueue-to-lease latency (from enqueue answered): p50 ${median(lat.map((l) => l.ackP50)).toFixed(2)} ms, p99 ${median(lat.map((l) => l.ackP99)).toFixed(2)} ms`)
  } finally {
    client.close()
    master.child.kill("SIGTERM")
    await new Promise((r) => master.child.once("exit", r))
    await db.close()
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
