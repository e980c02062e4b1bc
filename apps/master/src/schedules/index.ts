import type postgres from "postgres"
import type { Hono } from "hono"
import type { JobStoreShape } from "@leasehold/core"
import { DEFAULT_TICK_INTERVAL_MS, makeScheduler } from "./Scheduler.ts"
import { makeScheduleRoutes } from "./scheduleRoutes.ts"
import type { Logger } from "../http/Logger.ts"

/**
 * Cron schedules for the master: the `/schedules` routes (mount at `/api/v1/schedules`) and the
 * scheduler loop that turns each due tick into exactly one job, however many masters run it.
 */
export const makeSchedules = (deps: {
  sql: postgres.Sql
  store: JobStoreShape
  log: Logger
  now?: () => Date
  tickIntervalMs?: number
}): { routes: Hono; start(): void; stop(): Promise<void> } => {
  const now = deps.now ?? (() => new Date())
  const scheduler = makeScheduler({
    sql: deps.sql,
    store: deps.store,
    log: deps.log,
    now,
    tickIntervalMs: deps.tickIntervalMs ?? DEFAULT_TICK_INTERVAL_MS
  })
  return { routes: makeScheduleRoutes({ sql: deps.sql, now }), start: scheduler.start, stop: scheduler.stop }
}
