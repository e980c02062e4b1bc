import { makeWorkerUtils } from "graphile-worker"
import { freePort } from "@leasehold/tooling"
import { createDb, dropDb, now, sleep, start, stop, waitFor } from "../bench/benchSupport.ts"
const admin = "postgres://postgres@127.0.0.1:5432/postgres"
const stats = (xs: number[]) => { const s = [...xs].sort((a, b) => a - b); return `p50 ${s[Math.floor(s.length / 2)]?.toFixed(2)} p90 ${s[Math.floor(s.length * 0.9)]?.toFixed(2)} max ${s.at(-1)?.toFixed(2)}` }
const N = 100
for (let round = 0; round < 2; round++) {
{
  const url = await createDb(admin, "lh_lat_probe")
  const port = await freePort(); const base = `http://127.0.0.1:${port}`
  const master = start(["apps/master/src/main.ts", "--port", String(port), "--database-url", url, "--log-level", "warn"])
  await waitFor(() => fetch(`${base}/readyz`).then((r) => r.ok, () => false), "master")
  const worker = start(["apps/worker/src/main.ts", "--master", base, "--handlers", "apps/worker/bench/handlers.ts", "--concurrency", process.env.C ?? "8", "--progress-interval", "0", "--log-level", "warn"])
  await sleep(3000)
  const posts: number[] = []
  for (let i = 0; i < N; i++) {
    const t = now()
    await fetch(`${base}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "noop", payload: { t } }) })
    posts.push(now() - t)
    await sleep(20)
  }
  await sleep(1000)
  const lat = worker.lines.filter((l) => l.startsWith("LAT ")).map((l) => Number(l.slice(4)))
  console.log(`leasehold enqueue→start ${stats(lat)} n ${lat.length} | enqueue answered ${stats(posts)}`)
  await stop(worker); await stop(master); await dropDb(admin, "lh_lat_probe")
}
{
  const url = await createDb(admin, "gw_lat_probe")
  const utils = await makeWorkerUtils({ connectionString: url }); await utils.migrate()
  const w = start(["apps/worker/bench/graphileWorker.ts"], { GW_DATABASE_URL: url, GW_CONCURRENCY: process.env.C ?? "8" })
  await waitFor(() => w.lines.includes("READY"), "gw")
  await sleep(1000)
  const posts: number[] = []
  for (let i = 0; i < N; i++) { const t = now(); await utils.addJob("noop", { t }); posts.push(now() - t); await sleep(20) }
  await sleep(1000)
  const lat = w.lines.filter((l) => l.startsWith("LAT ")).map((l) => Number(l.slice(4)))
  console.log(`graphile  enqueue→start ${stats(lat)} n ${lat.length} | enqueue answered ${stats(posts)}`)
  await stop(w); await utils.release(); await dropDb(admin, "gw_lat_probe")
}
}
