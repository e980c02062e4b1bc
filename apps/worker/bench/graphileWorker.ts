import { Logger, run } from "graphile-worker"

/**
 * The reference: a graphile-worker process in batched mode (local queue + batched completion,
 * the configuration of its performance page), with the same no-op task as the Leasehold bench.
 */
const connectionString = process.env.GW_DATABASE_URL as string
const concurrency = Number(process.env.GW_CONCURRENCY ?? 8)

const runner = await run({
  connectionString,
  concurrency,
  maxPoolSize: Math.min(concurrency + 2, 25),
  noHandleSignals: true,
  pollInterval: 1000,
  logger: new Logger(() => () => {}),
  preset: { worker: { localQueue: { size: 500 }, completeJobBatchDelay: 0, failJobBatchDelay: 0 } },
  taskList: {
    noop: async (payload) => {
      const t = (payload as { t?: number } | null)?.t
      if (t !== undefined) process.stdout.write(`LAT ${performance.timeOrigin + performance.now() - t}\n`)
    }
  }
})
process.stdout.write("READY\n")
const stop = () => void runner.stop().then(() => process.exit(0))
process.on("SIGTERM", stop)
process.on("SIGINT", stop)
