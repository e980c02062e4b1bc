import { installShutdownSignals } from "./shutdownSignals.ts"

// First, before the heavy imports below load (hundreds of ms): a SIGTERM from then on drains and exits 0.
const signals = installShutdownSignals()
const { runWorker } = await import("./runWorker.ts")

runWorker(process.argv.slice(2), signals).catch((e: unknown) => {
  process.stderr.write(`leasehold-worker: failed to start: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
