import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, readFileSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { API_BASE } from "@leasehold/contracts"
import { freePort, startEmbeddedPostgres } from "@leasehold/tooling"
import { makeClient } from "./httpClient.ts"

/**
 * `tsx bench/ab.ts DIR_A DIR_B`: paired A/B of two master checkouts (each a copy of apps/master) on one
 * embedded PostgreSQL, rounds interleaved so both see the same machine state. Per round: lease + ack at
 * max_jobs AB_MAX_JOBS (default 100) with 8 clients (rate and master CPU per job), and AB_LAT (default
 * 300) enqueue-to-lease latencies of one long-polling client. Prints medians per side; never asserts.
 */
const ROUNDS = Number(process.env.AB_ROUNDS ?? 5)
const MAX_JOBS = Number(process.env.AB_MAX_JOBS ?? 100)
const LAT = Number(process.env.AB_LAT ?? 300)
const JOBS = Number(process.env.AB_JOBS ?? 50_000)
const dirs = process.argv.slice(2, 4).map((d) => resolve(d))
if (dirs.length !== 2) throw new Error("usage: tsx bench/ab.ts DIR_A DIR_B")

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const pct = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

const cpuSeconds = (pid: number | undefined): number => {
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ")
  return (Number(fields[11]) + Number(fields[12])) / 100
}

const startMaster = async (dir: string, databaseUrl: string): Promise<{ url: string; child: ChildProcess }> => {
  const port = await freePort()
  const child = spawn(process.execPath, ["--import", "tsx", "src/main.ts", "--port", String(port), "--database-url", databaseUrl, "--log-level", "error", "--pool-max", "12"], {
    cwd: dir,
    stdio: ["ignore", "inherit", "inherit"]
  })
  const url = `http://127.0.0.1:${port}`
  for (const deadline = Date.now() + 60_000; ; ) {
    try {
      if ((await fetch(`${url}/readyz`)).ok) return { url, child }
    } catch {}
    if (Date.now() > deadline) throw new Error("master did not become ready")
    await new Promise((r) => setTimeout(r, 100))
  }
}

const enqueue = async (client: ReturnType<typeof makeClient>, queue: string, total: number) => {
  for (let b = 0; b < total; b += 10_000) {
    const jobs = Array.from({ length: Math.min(10_000, total - b) }, (_, i) => ({ type: "bench", queue, payload: { n: b + i, user: "u-123", tags: ["a", "b"] } }))
    const r = await client.call("POST", `${API_BASE}/jobs/batch`, JSON.stringify({ jobs }))
    if (r.status !== 201) throw new Error(`batch -> ${r.status}`)
  }
}

const leaseAck = async (client: ReturnType<typeof makeClient>, pid: number, queue: string) => {
  const cpu0 = cpuSeconds(pid)
  const started = performance.now()
  let done = 0
  await Promise.all(
    Array.from({ length: 8 }, async (_, i) => {
      const lease = JSON.stringify({ worker_id: `ab-${i}`, queues: [queue], max_jobs: MAX_JOBS, lease_seconds: 300 })
      for (;;) {
        const { jobs } = await client.json("POST", `${API_BASE}/jobs/lease`, lease)
        if (jobs.length === 0) return
        const items = jobs.map((j: any) => ({ job_id: j.id, lease_token: j.lease_token, outcome: "completed" }))
        done += (await client.json("POST", `${API_BASE}/leases/ack`, { worker_id: `ab-${i}`, items })).results.length
      }
    })
  )
  const seconds = (performance.now() - started) / 1000
  return { rate: done / seconds, cpuUs: ((cpuSeconds(pid) - cpu0) * 1e6) / done }
}

const latency = async (client: ReturnType<typeof makeClient>, queue: string) => {
  const out: Array<number> = []
  const rtt: Array<number> = []
  const lease = JSON.stringify({ worker_id: "lat", queues: [queue], wait_ms: 30_000 })
  for (let i = 0; i < LAT + 50; i++) {
    const polling = client.json("POST", `${API_BASE}/jobs/lease`, lease).then((r) => ({ r, at: performance.now() }))
    await new Promise((r) => setTimeout(r, 2))
    const sent = performance.now()
    const enq = await client.json("POST", `${API_BASE}/jobs`, { type: "lat", queue })
    const answered = performance.now()
    const { r, at } = await polling
    if (r.jobs[0]?.id !== enq.job.id) throw new Error("latency: wrong job leased")
    await client.json("POST", `${API_BASE}/leases/ack`, { worker_id: "lat", items: [{ job_id: enq.job.id, lease_token: r.jobs[0].lease_token, outcome: "completed" }] })
    if (i >= 50) {
      out.push(at - sent)
      rtt.push(answered - sent)
    }
  }
  return { out, rtt }
}

const main = async () => {
  const dataDir = mkdtempSync(join(tmpdir(), "leasehold-ab-"))
  const pg = await startEmbeddedPostgres({ dataDir })
  const masters = await Promise.all(dirs.map((d) => startMaster(d, pg.url)))
  const clients = masters.map((m) => makeClient(m.url))
  const res = dirs.map(() => ({ rate: [] as Array<number>, cpu: [] as Array<number>, p50: [] as Array<number>, p99: [] as Array<number> }))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const q = `ab-${side}-${round}`
        await enqueue(clients[side]!, q, JOBS)
        const la = JOBS > 0 ? await leaseAck(clients[side]!, masters[side]!.child.pid!, q) : { rate: Number.NaN, cpuUs: Number.NaN }
        const { out: lat, rtt } = LAT > 0 ? await latency(clients[side]!, `lat-${side}-${round}`) : { out: [Number.NaN], rtt: [Number.NaN] }
        res[side]!.rate.push(la.rate)
        res[side]!.cpu.push(la.cpuUs)
        res[side]!.p50.push(pct(lat, 50))
        res[side]!.p99.push(pct(lat, 99))
        console.log(`round ${round + 1} ${"AB"[side]}: lease+ack ${Math.round(la.rate)} jobs/s, master ${la.cpuUs.toFixed(1)} us/job; latency p50 ${pct(lat, 50).toFixed(2)} p99 ${pct(lat, 99).toFixed(2)} ms (enqueue answered after p50 ${pct(rtt, 50).toFixed(2)} ms)`)
      }
    }
    for (const side of [0, 1]) {
      const r = res[side]!
      console.log(`${"AB"[side]} ${dirs[side]}: lease+ack@${MAX_JOBS} ${Math.round(median(r.rate))} jobs/s, master ${median(r.cpu).toFixed(1)} us/job; latency p50 ${median(r.p50).toFixed(2)} ms, p99 ${median(r.p99).toFixed(2)} ms (medians of ${ROUNDS})`)
    }
  } finally {
    for (const c of clients) c.close()
    for (const m of masters) m.child.kill("SIGTERM")
    await Promise.all(masters.map((m) => new Promise((r) => (m.child.exitCode !== null ? r(null) : m.child.once("exit", r)))))
    await pg.stop()
    rmSync(dataDir, { recursive: true, force: true })
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exit(1)
})
