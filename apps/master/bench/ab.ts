import { spawn, type ChildProcess } from "node:child_process"
import { mkdtempSync, rmSync } from "node:fs"
import { tmpdir } from "node:os"
import { join, resolve } from "node:path"
import { API_BASE } from "@leasehold/contracts"
import { freePort, startEmbeddedPostgres } from "@leasehold/tooling"
import { makeClient } from "./httpClient.ts"

/**
 * `tsx bench/ab.ts DIR_A DIR_B`: paired A/B of two master checkouts (each a copy of apps/master) on one
 * embedded PostgreSQL, rounds interleaved so both see the same machine state: per round and side, AB_LAT
 * (default 300) enqueue-to-lease latencies of one long-polling client, and how long the enqueue itself
 * took. Prints medians per side; never asserts. Throughput stays with run.ts (one master per database).
 */
const ROUNDS = Number(process.env.AB_ROUNDS ?? 5)
const LAT = Number(process.env.AB_LAT ?? 300)
const dirs = process.argv.slice(2, 4).map((d) => resolve(d))
if (dirs.length !== 2) throw new Error("usage: tsx bench/ab.ts DIR_A DIR_B")

const median = (xs: Array<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!
const pct = (xs: Array<number>, p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!

/** AB_NODE_ARGS_A / AB_NODE_ARGS_B: extra node flags per side (space-separated), e.g. GC settings. */
const nodeArgs = (side: number) => (process.env[`AB_NODE_ARGS_${"AB"[side]}`] ?? "").split(" ").filter((a) => a.length > 0)

const startMaster = async (dir: string, databaseUrl: string, side: number): Promise<{ url: string; child: ChildProcess }> => {
  const port = await freePort()
  const child = spawn(process.execPath, [...nodeArgs(side), "--import", "tsx", "src/main.ts", "--port", String(port), "--database-url", databaseUrl, "--log-level", "error", "--pool-max", "12"], {
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
  const masters = await Promise.all(dirs.map((d, side) => startMaster(d, pg.url, side)))
  const clients = masters.map((m) => makeClient(m.url))
  const res = dirs.map(() => ({ p50: [] as Array<number>, p99: [] as Array<number>, enq: [] as Array<number> }))
  try {
    for (let round = 0; round < ROUNDS; round++) {
      for (const side of round % 2 === 0 ? [0, 1] : [1, 0]) {
        const { out: lat, rtt } = await latency(clients[side]!, `lat-${side}-${round}`)
        res[side]!.p50.push(pct(lat, 50))
        res[side]!.p99.push(pct(lat, 99))
        res[side]!.enq.push(pct(rtt, 50))
        console.log(`round ${round + 1} ${"AB"[side]}: latency p50 ${pct(lat, 50).toFixed(2)} p99 ${pct(lat, 99).toFixed(2)} ms (enqueue answered after p50 ${pct(rtt, 50).toFixed(2)} ms)`)
      }
    }
    for (const side of [0, 1]) {
      const r = res[side]!
      console.log(`${"AB"[side]} ${dirs[side]}: latency p50 ${median(r.p50).toFixed(2)} ms, p99 ${median(r.p99).toFixed(2)} ms; enqueue answered after p50 ${median(r.enq).toFixed(2)} ms (medians of ${ROUNDS})`)
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
