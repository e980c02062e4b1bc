import { ROOT, anyFreePort, portIsFree, startChild, type Child } from "./processes.ts"
import { readProgress } from "./progress.ts"
import { enqueueWorkload } from "./workload.ts"

/** Demo options: `--port N`, `--database-url URL` (default: the master's embedded PostgreSQL), `--once`, `--verbose`. */
const parseArgs = (argv: ReadonlyArray<string>) => {
  const args = argv.filter((a) => a !== "--")
  const value = (flag: string) => {
    const i = args.indexOf(flag)
    return i >= 0 ? args[i + 1] : undefined
  }
  return {
    port: value("--port") ?? process.env.LEASEHOLD_DEMO_PORT,
    databaseUrl: value("--database-url") ?? process.env.LEASEHOLD_DEMO_DATABASE_URL,
    once: args.includes("--once"),
    verbose: args.includes("--verbose")
  }
}

const say = (line: string) => process.stdout.write(`[demo] ${line}\n`)

/**
 * `pnpm demo`: a master on the embedded PostgreSQL (./.leasehold/pg), two worker processes
 * running the example handlers, the demo workload, a progress line every 2 s, until Ctrl-C.
 */
const main = async () => {
  const options = parseArgs(process.argv.slice(2))
  const port = options.port ? Number(options.port) : (await portIsFree(8080)) ? 8080 : await anyFreePort()
  const master = `http://127.0.0.1:${port}`
  const children: Array<Child> = []
  let stopping = false
  const stopAll = async (code: number) => {
    if (stopping) {
      for (const c of children) c.process.kill("SIGKILL")
      process.exit(1)
    }
    stopping = true
    say("stopping: workers drain first, then the master")
    const workers = children.filter((c) => c.name.startsWith("worker"))
    for (const w of workers) w.process.kill("SIGTERM")
    await Promise.all(workers.map((w) => w.exited))
    for (const m of children.filter((c) => c.name === "master")) {
      m.process.kill("SIGTERM")
      await m.exited
    }
    say("stopped")
    process.exit(code)
  }
  process.on("SIGINT", () => void stopAll(0))
  process.on("SIGTERM", () => void stopAll(0))
  process.on("exit", () => {
    for (const c of children) if (c.process.exitCode === null) c.process.kill("SIGKILL")
  })

  say(options.databaseUrl ? "starting the master" : "starting the master on an embedded PostgreSQL (data in ./.leasehold/pg, or where the master says; the first start initialises it)")
  const masterArgs = ["--port", String(port), "--sweep-interval-ms", "1000", ...(options.databaseUrl ? ["--database-url", options.databaseUrl] : [])]
  const masterChild = startChild("master", "apps/master/src/main.ts", masterArgs, options.verbose)
  children.push(masterChild)
  const deadline = Date.now() + 120_000
  while (true) {
    if (masterChild.process.exitCode !== null) throw new Error("the master exited during start (see its log above)")
    if (Date.now() > deadline) throw new Error("the master did not become ready within 120 s")
    const ready = await fetch(`${master}/readyz`).then((r) => r.ok, () => false)
    if (ready) break
    await new Promise((r) => setTimeout(r, 200))
  }
  say(`master ready at ${master}`)
  say(`dashboard: ${master}/ui/ (open it in a browser)`)
  const workerArgs = (n: number, batch: number) => [
    "--", "--master", master, "--handlers", `${ROOT}apps/demo/examples/handlers.ts`,
    "--worker-id", `demo-worker-${n}-${process.pid}`, "--concurrency", "8",
    "--queues", "default,scans", "--batch-size", String(batch), "--progress-interval", "10"
  ]
  children.push(startChild("worker-1", "apps/worker/src/main.ts", workerArgs(1, 25_000), options.verbose))
  children.push(startChild("worker-2", "apps/worker/src/main.ts", workerArgs(2, 10_000), options.verbose))
  for (const child of children)
    void child.exited.then((code) => {
      if (stopping) return
      say(`${child.name} exited unexpectedly (code ${code}); stopping the demo`)
      void stopAll(1)
    })
  say("2 workers x 8 slots started (scan batch sizes 25,000 and 10,000)")

  const runId = Date.now().toString(36)
  const workload = await enqueueWorkload(master, runId)
  say(
    `enqueued ${workload.emails.length} ordinary jobs, delayed #${workload.delayed}, flaky #${workload.flaky}, ` +
      `poison #${workload.poison}, scan ${workload.scan}`
  )
  let reported = false
  let lastLine = ""
  while (!stopping) {
    await new Promise((r) => setTimeout(r, 2_000))
    if (stopping) break
    try {
      const progress = await readProgress(master, workload)
      if (progress.line !== lastLine) say(progress.line)
      lastLine = progress.line
      if (progress.settled && !reported) {
        reported = true
        say("demo workload finished:")
        for (const line of progress.summary) say(`  ${line}`)
        if (options.once) return stopAll(0)
        say(`still serving at ${master} (dashboard: ${master}/ui/; try: curl -s ${master}/api/v1/stats). Ctrl-C to stop.`)
      }
    } catch (error) {
      say(`progress unavailable: ${error instanceof Error ? error.message : String(error)}`)
    }
  }
}

main().catch((error: unknown) => {
  process.stderr.write(`[demo] failed: ${error instanceof Error ? error.message : String(error)}\n`)
  process.exit(1)
})
