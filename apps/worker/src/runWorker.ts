import { installProcessGuards } from "@leasehold/core"
import { createWorker } from "./createWorker.ts"
import { WorkerConfigError, parseWorkerConfig, workerUsage } from "./config.ts"
import { loadHandlers } from "./loadHandlers.ts"
import { makeJsonLogger } from "./logger.ts"
import { makeProgressLine } from "./progressLine.ts"
import type { ShutdownSignals } from "./shutdownSignals.ts"

/** Command-line worker: flags over environment over defaults; SIGTERM/SIGINT drain and exit 0, a second signal exits at once. */
export const runWorker = async (argv: ReadonlyArray<string>, signals: ShutdownSignals): Promise<void> => {
  if (argv.includes("--help") || argv.includes("-h")) {
    process.stdout.write(`${workerUsage()}\n`)
    return
  }
  let config
  try {
    config = parseWorkerConfig([...argv])
  } catch (e) {
    if (e instanceof WorkerConfigError) {
      process.stderr.write(`leasehold-worker: ${e.message}\n`)
      process.exit(2)
    }
    throw e
  }
  const log = makeJsonLogger(config.logLevel, { worker_id: config.workerId })
  installProcessGuards(log)
  signals.setAction((signal) => {
    log.info("signal received before the worker started: exiting", { signal })
    process.exit(0)
  })
  const handlers = await loadHandlers(config.handlers)
  const worker = createWorker({
    master: config.master,
    handlers,
    concurrency: config.concurrency,
    queues: config.queues,
    leaseSeconds: config.leaseSeconds,
    renewAt: config.renewAt,
    shutdownTimeoutMs: config.shutdownTimeoutMs,
    workerId: config.workerId,
    token: config.token,
    batchSize: config.batchSize,
    waitMs: config.waitMs,
    prefetch: config.prefetch,
    logger: log
  })
  let progress: ReturnType<typeof setInterval> | undefined
  signals.setAction((signal, count) => {
    if (count > 1) {
      log.warn("second signal: exiting now", { signal })
      process.exit(1)
    }
    log.info("signal received: draining", { signal, shutdown_timeout_ms: config.shutdownTimeoutMs })
    if (progress) clearInterval(progress)
    worker.stop().then(
      () => process.exit(0),
      (e: unknown) => {
        log.error("shutdown failed", { error: String(e) })
        process.exit(1)
      }
    )
  })
  log.info("worker starting", { master: config.master, handlers: Object.keys(handlers), concurrency: config.concurrency, queues: config.queues, prefetch: config.prefetch })
  await worker.start()
  if (worker.status().state !== "running") return
  const line = makeProgressLine(log)
  progress = config.progressIntervalMs > 0 ? setInterval(() => line.tick(worker.status()), config.progressIntervalMs) : undefined
}
