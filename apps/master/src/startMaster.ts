import type { Server } from "node:http"
import { resolve } from "node:path"
import { serve } from "@hono/node-server"
import type { Hono } from "hono"
import { StoreError, type JobStoreShape } from "@leasehold/core"
import { classifyError, connect, listenJobs, makePgJobStore, makePgQueueStore, makePgWorkflowStore, migrate } from "@leasehold/store-postgres"
import { buildApp } from "./app.ts"
import { resolveConfig, type MasterConfig } from "./config.ts"
import { withOutageSettings } from "./databaseUrl.ts"
import { makeLogger, type Logger } from "./http/Logger.ts"
import { runStore } from "./http/runStore.ts"
import { DEFAULT_SOCKET_LIMITS, applySocketLimits, socketServerOptions, type SocketLimits } from "./http/socketLimits.ts"
import { makeLeaseWaiters, type LeaseWaiters } from "./longPoll/LeaseWaiters.ts"
import { withLocalWake } from "./longPoll/localWake.ts"
import type { Loop } from "./loops/every.ts"
import { startPruner } from "./loops/pruner.ts"
import { startSweeper } from "./loops/sweeper.ts"
import { authEnabled } from "./middleware/auth/auth.ts"
import { makeMetrics } from "./metrics/Metrics.ts"
import type { MasterDeps, MasterSeams } from "./MasterDeps.ts"
import { makeWorkerRegistry } from "./registry/WorkerRegistry.ts"
import { loadSchedules, type SchedulesModule } from "./schedulesMount.ts"

/** A running master. */
export interface RunningMaster {
  readonly url: string
  readonly port: number
  readonly host: string
  readonly app: Hono
  readonly store: JobStoreShape
  readonly config: MasterConfig
  /** Long-polls currently waiting on a queue. */
  readonly waitingOn: (queue: string) => number
  /** How many long-poll waits ended for each reason (a wake versus a re-poll). */
  readonly longPollWakes: LeaseWaiters["wakes"]
  /** Graceful stop: no new requests, long-polls answer empty, in-flight requests finish, pool closed. */
  readonly stop: () => Promise<void>
}

/** Options beside the configuration: where to log, and test seams. */
export interface StartOptions {
  readonly log?: Logger
  readonly seams?: MasterSeams
  /** Connection limits; tests shorten them. */
  readonly socketLimits?: SocketLimits
}

/** Upper bound on waiting for in-flight requests at shutdown: longer than the longest long-poll. */
const DRAIN_TIMEOUT_MS = 35_000

/** Starts a master: database (embedded when no URL), migrations, LISTEN, HTTP server, background loops. */
export const startMaster = async (partial: Partial<MasterConfig> = {}, options: StartOptions = {}): Promise<RunningMaster> => {
  const config = resolveConfig(partial)
  const log = options.log ?? makeLogger(config.logLevel)
  const cleanups: Array<() => Promise<unknown>> = []
  const cleanup = async () => {
    for (const fn of cleanups.reverse()) await fn().catch((e: unknown) => log.warn("shutdown step failed", { error: String(e) }))
  }
  try {
    let databaseUrl = config.databaseUrl
    if (!databaseUrl) {
      const dataDir = resolve(process.env.INIT_CWD ?? process.cwd(), config.dataDir)
      log.info("no database URL given: starting an embedded PostgreSQL", { data_dir: dataDir })
      const { startEmbeddedPostgres } = await import("@leasehold/embedded-postgres")
      const embedded = await startEmbeddedPostgres({ dataDir, persistent: true })
      cleanups.push(() => embedded.stop())
      databaseUrl = embedded.url
      if (embedded.relocatedFrom)
        log.warn("the data directory is behind a private folder the postgres OS user cannot enter; the data lives elsewhere, kept across restarts", {
          requested_data_dir: embedded.relocatedFrom.requested,
          private_folder: embedded.relocatedFrom.blockedBy,
          data_dir: embedded.dataDir,
          remedy: "to keep it elsewhere, pass --data-dir in a folder others can traverse"
        })
      log.info("embedded PostgreSQL running", { data_dir: embedded.dataDir, port: embedded.port })
    }
    const sql = connect(withOutageSettings(databaseUrl), { max: config.poolMax, application: "leasehold-master" })
    cleanups.push(() => sql.end({ timeout: 5 }))
    const migrated = await migrate(sql)
    log.info("migrations applied", { applied: migrated.applied })

    const readSql = connect(withOutageSettings(databaseUrl), {
      max: config.readPoolMax,
      application: "leasehold-master-reads",
      statementTimeoutMs: config.readTimeoutMs
    })
    cleanups.push(() => readSql.end({ timeout: 5 }))

    const waiters = makeLeaseWaiters()
    const store = withLocalWake(makePgJobStore({ sql, readSql, serverMaxBatchSize: config.maxBatchSize }), waiters)
    const listenSql = config.listenDatabaseUrl ? connect(withOutageSettings(config.listenDatabaseUrl), { max: 1, application: "leasehold-master-listen" }) : sql
    if (listenSql !== sql) cleanups.push(() => listenSql.end({ timeout: 5 }))
    const listener = await listenJobs(listenSql, (queue) => waiters.notify(queue))
    cleanups.push(() => listener.unlisten())
    const metrics = makeMetrics(() => runStore(store.statsGet({})).catch(() => null), waiters.size)
    const workers = makeWorkerRegistry(store, log)
    const ping = async () => {
      try {
        await sql`select 1`
      } catch (cause) {
        throw cause instanceof StoreError ? cause : classifyError(cause)
      }
    }
    const workflows = makePgWorkflowStore({ sql })
    const deps: MasterDeps = { store, workflows, queues: makePgQueueStore({ sql }), config, log, metrics, waiters, workers, ping, seams: options.seams }

    const schedules: SchedulesModule | undefined = await loadSchedules({ sql, store, log })
    const app = buildApp(deps, schedules ? { schedules: schedules.routes } : {})

    const open = !authEnabled({ admin: config.adminTokens, producer: config.producerTokens, worker: config.workerTokens })
    const host = open ? "127.0.0.1" : config.host ?? "0.0.0.0"
    if (open && config.host && config.host !== "127.0.0.1")
      log.warn("no tokens configured: ignoring --host and binding to 127.0.0.1 only", { requested_host: config.host })
    const { server, port } = await listen(app, host, config.port, options.socketLimits ?? DEFAULT_SOCKET_LIMITS)
    const loops: Array<Loop> = [startSweeper(deps), startPruner(deps)]
    schedules?.start()
    if (open) log.warn("no tokens configured: the API is open to anyone on this machine (bound to 127.0.0.1)")
    const url = `http://${host === "0.0.0.0" ? "127.0.0.1" : host}:${port}`
    log.info("master listening", { url, host, port, auth: open ? "open" : "tokens", schedules: schedules !== undefined })

    let stopping: Promise<void> | undefined
    const stop = () =>
      (stopping ??= (async () => {
        log.info("master stopping")
        waiters.shutdown()
        await closeServer(server)
        await Promise.all(loops.map((l) => l.stop()))
        await schedules?.stop()
        await workers.flush()
        await cleanup()
        log.info("master stopped")
      })())
    return { url, port, host, app, store, config, waitingOn: waiters.waitingOn, longPollWakes: waiters.wakes, stop }
  } catch (e) {
    await cleanup()
    throw e
  }
}

const listen = (app: Hono, hostname: string, port: number, limits: SocketLimits) =>
  new Promise<{ server: Server; port: number }>((ok, fail) => {
    const serverOptions = socketServerOptions(limits)
    const server = serve({ fetch: app.fetch, hostname, port, serverOptions }, (info) => ok({ server, port: info.port })) as Server
    applySocketLimits(server, limits)
    server.once("error", fail)
  })

/** Stops accepting, lets in-flight requests finish (bounded), then closes every connection. */
const closeServer = (server: Server) =>
  new Promise<void>((ok) => {
    const idle = setInterval(() => server.closeIdleConnections(), 25)
    const hard = setTimeout(() => server.closeAllConnections(), DRAIN_TIMEOUT_MS)
    server.close(() => {
      clearInterval(idle)
      clearTimeout(hard)
      ok()
    })
    server.closeIdleConnections()
  })
