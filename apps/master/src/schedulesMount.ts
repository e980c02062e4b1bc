import type { Hono } from "hono"
import type postgres from "postgres"
import type { JobStoreShape } from "@leasehold/core"
import type { Logger } from "./http/Logger.ts"
import { makeSchedules } from "./schedules/index.ts"

/** What the schedules module hands the master: its routes (mounted at /api/v1/schedules) and its tick loop. */
export interface SchedulesModule {
  readonly routes: Hono
  readonly start: () => void
  readonly stop: () => Promise<void>
}

/** Builds the schedules module on the master's pool, store and logger. */
export const loadSchedules = async (deps: {
  readonly sql: postgres.Sql
  readonly store: JobStoreShape
  readonly log: Logger
}): Promise<SchedulesModule> => makeSchedules({ sql: deps.sql, store: deps.store, log: deps.log })
