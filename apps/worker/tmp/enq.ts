import { Effect } from "effect"
import postgres from "postgres"
import { freePort } from "@leasehold/tooling"
import { connect, makePgJobStore, migrate } from "../../../packages/store-postgres/src/index.ts"
import { createDb, dropDb, now, sleep, start, stop, waitFor } from "../bench/benchSupport.ts"
const admin = "postgres://postgres@127.0.0.1:5432/postgres"
const url = await createDb(admin, "lh_enq_probe")
const port = await freePort(); const base = `http://127.0.0.1:${port}`
const master = start(["apps/master/src/main.ts", "--port", String(port), "--database-url", url, "--log-level", "warn"])
await waitFor(() => fetch(`${base}/readyz`).then((r) => r.ok, () => false), "master")
const sql = connect(url, { max: 2, application: "probe" })
const store = makePgJobStore({ sql } as any) as any
const raw = postgres(url, { max: 1, onnotice: () => {} })
await raw`create table fs_probe (id serial primary key, v int)`
const a: number[] = [], b: number[] = [], c: number[] = [], d: number[] = [], e: number[] = []
import { request } from "node:http"
const agent = new (await import("node:http")).Agent({ keepAlive: true })
const post = (path: string, body: string) => new Promise<void>((res, rej) => { const r = request(`${base}${path}`, { method: "POST", agent, headers: { "content-type": "application/json", "content-length": Buffer.byteLength(body) } }, (resp) => { resp.resume(); resp.on("end", () => res()) }); r.on("error", rej); r.end(body) })
for (let i = 0; i < 100; i++) {
  let t = now(); await fetch(`${base}/api/v1/jobs`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify({ type: "noop", payload: { t } }) }); a.push(now() - t)
  await sleep(5)
  t = now(); await Effect.runPromise(store.jobEnqueue({ job: { type: "noop", payload: { t } } })); b.push(now() - t)
  await sleep(5)
  t = now(); await raw`insert into fs_probe (v) values (1)`; c.push(now() - t)
  await sleep(5)
  t = now(); await fetch(`${base}/readyz`); d.push(now() - t)
  await sleep(5)
  t = now(); await post("/api/v1/jobs", JSON.stringify({ type: "noop", payload: { t } })); e.push(now() - t)
  await sleep(5)
}
const p = (xs: number[]) => { const s = xs.sort((x, y) => x - y); return `p50 ${s[50]!.toFixed(2)} p90 ${s[90]!.toFixed(2)}` }
console.log("HTTP POST /jobs", p(a), "| store.jobEnqueue", p(b), "| plain insert", p(c), "| GET /readyz (fetch)", p(d), "| POST /jobs (node:http keep-alive)", p(e))
const m = await (await fetch(`${base}/metrics`)).text()
console.log(m.split("\n").filter((l) => /http_request_duration_seconds_(sum|count)/.test(l) && /jobs"/.test(l)).join("\n"))
await raw.end(); await sql.end(); await stop(master); await dropDb(admin, "lh_enq_probe")
