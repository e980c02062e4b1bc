import { installProcessGuards } from "@leasehold/core"
import { ConfigError, parseConfig, usage } from "./config.ts"
import { makeLogger } from "./http/Logger.ts"
import { startMaster } from "./startMaster.ts"

/** A terminal's Ctrl-C reaches both the tsx wrapper (which relays it) and the master: one signal, not two. */
const DUPLICATE_SIGNAL_MS = 1000

/** Command-line entry: flags over environment over defaults; SIGTERM/SIGINT stop gracefully and exit 0. */
const main = async () => {
  const argv = process.argv.slice(2)
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${usage()}\n`)
    return
  }
  let config
  try {
    config = parseConfig(argv)
  } catch (e) {
    if (e instanceof ConfigError) {
      process.stderr.write(`leasehold-master: ${e.message}\n`)
      process.exit(2)
    }
    throw e
  }
  const log = makeLogger(config.logLevel)
  installProcessGuards(log)
  // Installed before the start, which can take seconds (a first initdb): a signal meanwhile stops what
  // was started and exits 0, instead of Node's default exit 143 that left the embedded PostgreSQL running.
  let firstSignalAt: number | undefined
  let stop: (() => Promise<void>) | undefined
  const shutDown = () =>
    (stop ? stop() : Promise.resolve()).then(
      () => process.exit(0),
      (e: unknown) => {
        log.error("shutdown failed", { error: String(e) })
        process.exit(1)
      }
    )
  const onSignal = (signal: string) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return
      log.warn("second signal: exiting now", { signal })
      process.exit(1)
    }
    firstSignalAt = Date.now()
    log.info(stop ? "signal received: shutting down" : "signal received while starting: shutting down once started", { signal })
    if (stop) void shutDown()
  }
  process.on("SIGTERM", () => onSignal("SIGTERM"))
  process.on("SIGINT", () => onSignal("SIGINT"))
  const master = await startMaster(config, { log })
  stop = master.stop
  if (firstSignalAt !== undefined) void shutDown()
}

main().catch((e: unknown) => {
  process.stderr.write(`leasehold-master: failed to start: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
