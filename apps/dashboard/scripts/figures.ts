/**
 * Figures for the note; prints, asserts nothing.
 *
 *   pnpm --filter @leasehold/dashboard figures -- --database-url postgres://postgres@127.0.0.1:5432/DB [--pg-log FILE] [--runs 5] [--window-s 30] [--no-build]
 *
 * 1. Bundle: builds the dashboard, then gzips (level 9) every script, module preload and stylesheet
 *    index.html loads: what the first page costs over the wire.
 * 2. Time to first rendered data on the overview: a real master on DB, headless Chromium, a fresh context
 *    (cold cache) per run; the overview marks `leasehold:overview-first-data` when it first renders
 *    GET /stats; printed as ms after navigation start, per run and the median.
 * 3. Database time per overview refresh: the statements' own durations as PostgreSQL logs them
 *    (log_min_duration_statement = 0, set on DB only, reset afterwards; the master's sessions pick it up
 *    as they connect), summed over the read pool's sessions (application_name leasehold-master-reads,
 *    which serves every overview read; the sweeper and pruner use the other pool) while the overview
 *    stays open for the window, divided by the refreshes the page made in it. Needs a superuser URL and
 *    a readable server log (default: Debian's /var/log/postgresql/postgresql-15-main.log).
 *
 * Seed DB first, e.g. `pnpm seed -- --database-url URL --finished 10M --pending 1000`.
 */
import { execFileSync } from "node:child_process"
import { readFileSync, readdirSync, statSync, openSync, readSync, closeSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { gzipSync } from "node:zlib"
import { postgres } from "@leasehold/tooling"
import { launchBrowser } from "../test/browser.ts"
import { startMasterProcess } from "../test/masterProcess.ts"

const FIRST_DATA_MARK = "leasehold:overview-first-data"
const DIST = fileURLToPath(new URL("../dist/", import.meta.url))
const ROOT = fileURLToPath(new URL("../", import.meta.url))

const args = new Map<string, string>()
for (let i = 2; i < process.argv.length; i++) {
  const a = process.argv[i]!
  if (a === "--") continue
  if (a === "--no-build") args.set("no-build", "1")
  else if (a.startsWith("--") && i + 1 < process.argv.length) args.set(a.slice(2), process.argv[++i]!)
  else throw new Error(`unexpected argument ${a}`)
}
const databaseUrl = args.get("database-url") ?? process.env.LEASEHOLD_DATABASE_URL
const pgLog = args.get("pg-log") ?? "/var/log/postgresql/postgresql-15-main.log"
const runs = Number(args.get("runs") ?? 5)
const windowMs = Number(args.get("window-s") ?? 30) * 1000

const kb = (n: number) => `${(n / 1024).toFixed(1)} kB`
const median = (xs: ReadonlyArray<number>) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!

/** The gzipped size of what index.html loads (entry script, module preloads, stylesheets). */
const bundle = () => {
  if (!args.has("no-build")) execFileSync("pnpm", ["run", "build"], { cwd: ROOT, stdio: ["ignore", "ignore", "inherit"] })
  const html = readFileSync(`${DIST}index.html`, "utf8")
  const refs = [...html.matchAll(/<(?:script[^>]*\ssrc|link[^>]*\shref)="\/ui\/([^"]+\.(?:js|css))"/g)].map((m) => m[1]!)
  const files = ["index.html", ...new Set(refs)].map((f) => {
    const raw = readFileSync(`${DIST}${f}`)
    return { f, raw: raw.length, gz: gzipSync(raw, { level: 9 }).length }
  })
  const all = readdirSync(`${DIST}assets`).filter((f) => /\.(js|css)$/.test(f))
  const total = all.reduce((s, f) => s + statSync(`${DIST}assets/${f}`).size, 0)
  for (const x of files) console.log(`[figure] bundle: ${x.f} ${kb(x.raw)} raw, ${kb(x.gz)} gz`)
  const gz = files.reduce((s, x) => s + x.gz, 0)
  console.log(`[figure] bundle: first page ${kb(gz)} gz (${kb(files.reduce((s, x) => s + x.raw, 0))} raw); all JS/CSS assets ${kb(total)} raw in ${all.length} files`)
}

/** Reads what the server log gained since `from` (bytes). */
const logSince = (from: number): string => {
  const size = statSync(pgLog).size
  const fd = openSync(pgLog, "r")
  try {
    const buf = Buffer.alloc(size - from)
    readSync(fd, buf, 0, buf.length, from)
    return buf.toString("utf8")
  } finally {
    closeSync(fd)
  }
}

const main = async () => {
  bundle()
  if (!databaseUrl) {
    console.log("[figure] overview and database time skipped: give --database-url of a seeded database (pnpm seed)")
    return
  }
  const sql = postgres(databaseUrl, { max: 1, onnotice: () => {} })
  const [facts] = await sql<{ db: string; version: string; n: string }[]>`
    select current_database() as db, split_part(version(), ' ', 2) as version,
      (select coalesce(sum(n), 0)::text from job_counts where status in ('completed', 'failed', 'cancelled')) as n`
  const { db, version, n } = facts!
  console.log(`[figure] database ${db} on PostgreSQL ${version} (${databaseUrl.replace(/\/\/[^@]*@/, "//")}): ${Number(n).toLocaleString("en-US")} finished jobs`)
  const logReadable = (() => {
    try {
      statSync(pgLog)
      return true
    } catch {
      return false
    }
  })()
  if (logReadable) await sql.unsafe(`alter database "${db}" set log_min_duration_statement = 0`)
  // Retention 0 keeps every row: the pruner would otherwise start deleting the seed's oldest day while we measure.
  const master = await startMasterProcess({}, { databaseUrl, args: ["--retention", "0"] })
  const browser = await launchBrowser()
  try {
    const firsts: number[] = []
    for (let i = 0; i < runs; i++) {
      const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
      const page = await context.newPage()
      await page.goto(`${master.url}/ui/`)
      await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, FIRST_DATA_MARK, { timeout: 60_000 })
      const t = await page.evaluate((m) => {
        const nav = performance.getEntriesByType("navigation")[0] as PerformanceNavigationTiming
        return { data: performance.getEntriesByName(m)[0]!.startTime, dcl: nav.domContentLoadedEventEnd }
      }, FIRST_DATA_MARK)
      firsts.push(t.data)
      console.log(`[figure] overview run ${i + 1}: first rendered data ${t.data.toFixed(0)} ms after navigation start (DOMContentLoaded ${t.dcl.toFixed(0)} ms)`)
      await context.close()
    }
    console.log(`[figure] overview: time to first rendered data, median of ${runs} cold loads: ${median(firsts).toFixed(0)} ms`)

    if (!logReadable) {
      console.log(`[figure] database time per refresh skipped: cannot read ${pgLog} (--pg-log)`)
      return
    }
    const readPids = async () =>
      (await sql<{ pid: number }[]>`select pid from pg_stat_activity where datname = ${db} and application_name = 'leasehold-master-reads'`).map((r) => r.pid)
    const context = await browser.newContext({ viewport: { width: 1280, height: 800 } })
    const page = await context.newPage()
    await page.goto(`${master.url}/ui/`)
    await page.waitForFunction((m) => performance.getEntriesByName(m).length > 0, FIRST_DATA_MARK)
    // Warm-up: every read-pool connection prepares each statement once (a parse); let that pass first.
    await new Promise((r) => setTimeout(r, 5_000))
    const requests = new Map<string, number>()
    page.on("requestfinished", (r) => {
      const u = new URL(r.url())
      if (u.pathname.startsWith("/api/")) requests.set(u.pathname, (requests.get(u.pathname) ?? 0) + 1)
    })
    const pidsBefore = await readPids()
    const from = statSync(pgLog).size
    await new Promise((r) => setTimeout(r, windowMs))
    const pids = new Set([...pidsBefore, ...(await readPids())])
    await context.close()
    await new Promise((r) => setTimeout(r, 500))
    // An entry's statement text goes on over the lines that do not start with a timestamp.
    const lines = logSince(from)
      .split("\n")
      .reduce<string[]>((out, l) => (/^\d{4}-\d\d-\d\d /.test(l) || out.length === 0 ? [...out, l] : [...out.slice(0, -1), `${out.at(-1)} ${l.trim()}`]), [])
    const perStatement = new Map<string, { ms: number; n: number }>()
    let total = 0
    let parses = 0
    const re = /^\S+ \S+ \S+ \[(\d+)\] \S*@(\S+) LOG: {2}duration: ([\d.]+) ms {2}(\w+)(?: [^:]*)?: (.*)$/s
    for (const line of lines) {
      const m = re.exec(line)
      if (!m || m[2] !== db || !pids.has(Number(m[1]))) continue
      const ms = Number(m[3])
      total += ms
      if (m[4] === "parse") parses += ms
      const key = `${m[4]} ${m[5]!.replace(/\s+/g, " ").trim().slice(0, 90)}`
      const s = perStatement.get(key) ?? { ms: 0, n: 0 }
      perStatement.set(key, { ms: s.ms + ms, n: s.n + 1 })
    }
    const refreshes = requests.get("/api/v1/stats") ?? 0
    console.log(`[figure] requests the open overview made in ${windowMs / 1000} s: ${[...requests].map(([p, k]) => `${p} x${k}`).join(", ")}`)
    for (const [k, s] of [...perStatement].sort((a, b) => b[1].ms - a[1].ms))
      console.log(`[figure]   ${(s.ms / Math.max(1, refreshes)).toFixed(3)} ms/refresh  (${s.n}x, mean ${(s.ms / s.n).toFixed(3)} ms)  ${k}`)
    const per = (ms: number) => (ms / Math.max(1, refreshes)).toFixed(2)
    console.log(
      `[figure] database time per overview refresh: ${per(total)} ms, of which parse ${per(parses)} ms (a connection's first use of a statement); ` +
        `${per(total - parses)} ms bind + execute (sum of statement durations over ${refreshes} refreshes, read-pool sessions ${[...pids].join(",")})`
    )
  } finally {
    await browser.close()
    await master.close()
    if (logReadable) await sql.unsafe(`alter database "${db}" reset log_min_duration_statement`)
    await sql.end({ timeout: 5 })
  }
}

await main()
