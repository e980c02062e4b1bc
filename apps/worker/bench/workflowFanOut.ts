import postgres from "postgres"
import { freePort } from "@leasehold/tooling"
import { ROOT, createDb, dropDb, fmt, now, pickServer, start, stop, waitFor, type Proc } from "./benchSupport.ts"

/**
 * `pnpm bench` (apps/worker), second part: what a workflow costs. End to end with the worker CLI (one
 * process at concurrency 64) on a real master: 10,000 independent no-op jobs (one batch), then a
 * 10,000-job fan-out/fan-in workflow (1 -> 9,998 -> 1, one POST /workflows), from the request to the
 * last job completed. Prints both, the added cost per job, and how long the reduce took to start
 * after the last map (the fan-in). Alternates the order each run. BENCH_WF_RUNS (default 1: one run is
 * well under two minutes), BENCH_WF_CONCURRENCY (64), BENCH_DATABASE_URL as for the other bench.
 */
const JOBS = 10_000
const RUNS = Number(process.env.BENCH_WF_RUNS ?? 1)
const CONCURRENCY = Number(process.env.BENCH_WF_CONCURRENCY ?? 64)

const post = async (base: string, path: string, body: unknown) => {
  const res = await fetch(`${base}/api/v1${path}`, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) })
  if (!res.ok) throw new Error(`bench: POST ${path}: ${res.status} ${await res.text()}`)
  return (await res.json()) as any
}

/** Waits until no job of the table is unfinished (through the partial indexes, as the main bench does). */
const drained = (sql: postgres.Sql) =>
  waitFor(async () => !(await sql`
    select exists(select 1 from jobs where status in ('pending', 'retrying'))
        or exists(select 1 from jobs where status in ('processing', 'blocked')) as busy`)[0]?.busy, "all jobs completed", 300_000)

const independent = async (base: string, sql: postgres.Sql) => {
  const t0 = now()
  await post(base, "/jobs/batch", { jobs: Array.from({ length: JOBS }, () => ({ type: "noop", queue: "wfbench" })) })
  await drained(sql)
  return now() - t0
}

const fanOutFanIn = async (base: string, sql: postgres.Sql) => {
  const maps = Array.from({ length: JOBS - 2 }, (_, i) => ({ key: `map-${i}`, type: "noop", queue: "wfbench", depends_on: ["split"] }))
  const jobs = [{ key: "split", type: "noop", queue: "wfbench" }, ...maps, { key: "reduce", type: "noop", queue: "wfbench", depends_on: maps.map((m) => m.key) }]
  const t0 = now()
  const { workflow } = await post(base, "/workflows", { name: "bench 1 -> 9,998 -> 1", jobs })
  await drained(sql)
  const ms = now() - t0
  const [row] = await sql<{ completed: number; fan_in_ms: number }[]>`
    select count(*) filter (where status = 'completed')::int as completed,
           extract(epoch from (max(updated_at) filter (where key = 'reduce') - max(updated_at) filter (where key like 'map-%'))) * 1000 as fan_in_ms
    from jobs where workflow_id = ${workflow.id}`
  if (row?.completed !== JOBS) throw new Error(`bench: ${row?.completed} workflow jobs completed, expected ${JOBS}`)
  return { ms, fanInMs: Number(row.fan_in_ms) }
}

const main = async () => {
  const server = await pickServer()
  console.log(`workflow bench: ${JOBS} jobs, 1 worker process x concurrency ${CONCURRENCY}, ${RUNS} run(s), PostgreSQL: ${server.source}`)
  const name = `lh_wfbench_${process.pid}`
  const url = await createDb(server.admin, name)
  const port = await freePort()
  const base = `http://127.0.0.1:${port}`
  const master = start(["apps/master/src/main.ts", "--port", String(port), "--database-url", url, "--log-level", "warn"])
  const sql = postgres(url, { max: 1, onnotice: () => {} })
  let worker: Proc | undefined
  const rows: Array<{ plain: number; workflow: number; fanInMs: number }> = []
  try {
    await waitFor(() => fetch(`${base}/readyz`).then((r) => r.ok, () => false), "the master")
    worker = start([
      "apps/worker/src/main.ts", "--master", base, "--handlers", `${ROOT}apps/worker/bench/handlers.ts`, "--queues", "wfbench",
      "--concurrency", String(CONCURRENCY), "--progress-interval", "0", "--log-level", "warn"
    ])
    await post(base, "/jobs", { type: "noop", queue: "wfbench" }) // warm-up: the worker is up and leasing
    await drained(sql)
    for (let run = 1; run <= RUNS; run++) {
      const order = run % 2 === 1 ? (["plain", "workflow"] as const) : (["workflow", "plain"] as const)
      let plain = 0
      let wf = { ms: 0, fanInMs: 0 }
      for (const which of order) {
        if (which === "plain") plain = await independent(base, sql)
        else wf = await fanOutFanIn(base, sql)
      }
      rows.push({ plain, workflow: wf.ms, fanInMs: wf.fanInMs })
      console.log(
        `run ${run}: independent ${fmt(plain)} ms (${fmt(JOBS / (plain / 1000))} jobs/s) | workflow 1 -> ${JOBS - 2} -> 1 ${fmt(wf.ms)} ms ` +
          `(${fmt(JOBS / (wf.ms / 1000))} jobs/s) | added ${fmt(((wf.ms - plain) * 1000) / JOBS, 1)} us/job | reduce completed ${fmt(wf.fanInMs, 1)} ms after the last map`
      )
    }
  } finally {
    if (worker) await stop(worker)
    await stop(master)
    await sql.end()
    await dropDb(server.admin, name)
    await server.stop()
  }
  const med = (k: "plain" | "workflow" | "fanInMs") => [...rows.map((r) => r[k])].sort((a, b) => a - b)[Math.floor(rows.length / 2)]!
  console.log(
    `median of ${RUNS}: independent ${fmt(med("plain"))} ms, workflow ${fmt(med("workflow"))} ms: ` +
      `a workflow adds ${fmt(((med("workflow") - med("plain")) * 1000) / JOBS, 1)} us per job end to end (PostgreSQL: ${server.source})`
  )
}

main().then(
  () => process.exit(0),
  (e: unknown) => {
    console.error(e)
    process.exit(1)
  }
)
