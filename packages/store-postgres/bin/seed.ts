/**
 * `pnpm seed -- --database-url URL --finished N --pending M [--days 7] [--chunk 50000] [--no-vacuum]`:
 * migrates the database if needed, then fills it with realistic rows by set-based SQL (see
 * src/seed/seedQueries.ts), printing progress per chunk, then VACUUM ANALYZE. Counts are N like 10M, 500k, 1e6.
 * The URL may also come from LEASEHOLD_DATABASE_URL or DATABASE_URL.
 */
import { connect, migrate } from "../src/index.ts"
import { seedJobs } from "../src/seed/seedJobs.ts"

const USAGE = "usage: pnpm seed -- --database-url URL --finished N --pending M [--days 7] [--chunk 50000] [--no-vacuum]"

/** 10M, 500k, 1e6, 10_000_000 → a non-negative integer, or undefined. */
const count = (s: string | undefined): number | undefined => {
  const m = /^(\d+(?:\.\d+)?(?:e\d+)?)([kKmM]?)$/.exec((s ?? "").replaceAll("_", "").replaceAll(",", ""))
  const n = m ? Number(m[1]) * ({ k: 1e3, m: 1e6 }[m[2]!.toLowerCase() as "k" | "m"] ?? 1) : Number.NaN
  return Number.isSafeInteger(n) && n >= 0 ? n : undefined
}

const parse = (argv: ReadonlyArray<string>) => {
  const args = argv.filter((a) => a !== "--")
  const flags = new Map<string, string>()
  for (let i = 0; i < args.length; i++) {
    const a = args[i]!
    if (a === "--no-vacuum") flags.set("no-vacuum", "1")
    else if (a.startsWith("--") && a.includes("=")) flags.set(a.slice(2, a.indexOf("=")), a.slice(a.indexOf("=") + 1))
    else if (a.startsWith("--") && i + 1 < args.length) flags.set(a.slice(2), args[++i]!)
    else throw new Error(`unexpected argument ${a}\n${USAGE}`)
  }
  const url = flags.get("database-url") ?? process.env.LEASEHOLD_DATABASE_URL ?? process.env.DATABASE_URL
  const finished = count(flags.get("finished") ?? "0")
  const pending = count(flags.get("pending") ?? "0")
  const days = Number(flags.get("days") ?? 7)
  const chunk = count(flags.get("chunk") ?? "50000")
  for (const k of flags.keys()) if (!["database-url", "finished", "pending", "days", "chunk", "no-vacuum"].includes(k)) throw new Error(`unknown flag --${k}\n${USAGE}`)
  if (!url) throw new Error(`--database-url is required\n${USAGE}`)
  if (finished === undefined || pending === undefined) throw new Error(`--finished and --pending take a count (10M, 500k, 1e6)\n${USAGE}`)
  if (!(days > 0 && days <= 3650)) throw new Error(`--days must be in (0, 3650]\n${USAGE}`)
  if (!chunk) throw new Error(`--chunk must be a positive count\n${USAGE}`)
  return { url, finished, pending, days, chunk, vacuum: !flags.has("no-vacuum") }
}

const fmt = (n: number) => Math.round(n).toLocaleString("en-US")

const main = async () => {
  const o = parse(process.argv.slice(2))
  const sql = connect(o.url, { max: 1, application: "leasehold-seed", genericPlans: false })
  try {
    const { applied } = await migrate(sql)
    if (applied.length) console.log(`seed: applied migrations ${applied.join(", ")}`)
    console.log(`seed: ${fmt(o.finished)} finished jobs over ${o.days} days, ${fmt(o.pending)} pending, chunks of ${fmt(o.chunk)}`)
    const { rows, seconds } = await seedJobs(sql, {
      ...o,
      onProgress: (p) =>
        console.log(`seed: ${p.phase} ${fmt(p.done)}/${fmt(p.total)} (${((100 * p.done) / Math.max(1, p.total)).toFixed(1)} %), ${fmt(p.rowsPerSecond)} rows/s`)
    })
    console.log(`seed: ${fmt(rows)} rows in ${seconds.toFixed(1)} s (${fmt(rows / Math.max(seconds, 1e-3))} rows/s)`)
    if (o.vacuum) {
      const t0 = performance.now()
      await sql`vacuum (analyze) jobs`
      console.log(`seed: vacuum analyze jobs in ${((performance.now() - t0) / 1000).toFixed(1)} s`)
    }
    const counts = await sql<{ status: string; n: number }[]>`select status::text, sum(n)::int8 as n from job_counts group by 1 order by 1`
    console.log(`seed: jobs by status now ${counts.map((c) => `${c.status} ${fmt(c.n)}`).join(", ")}`)
  } finally {
    await sql.end({ timeout: 5 })
  }
}

main().catch((e) => {
  console.error(String((e as Error)?.message ?? e))
  process.exit(1)
})
