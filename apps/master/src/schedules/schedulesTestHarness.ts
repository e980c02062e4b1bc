import type postgres from "postgres"
import { Hono } from "hono"
import type { JobStoreShape } from "@leasehold/core"
import { createTestDatabase, type TestDatabase } from "@leasehold/tooling"
import { connect, makePgJobStore, migrate } from "@leasehold/store-postgres"
import { silentLogger, type Logger } from "../http/Logger.ts"
import { toErrorResponse } from "../http/errorResponse.ts"

/** A settable clock shared by several scheduler instances. */
export const makeClock = (start: Date) => {
  let now = start.getTime()
  return { now: () => new Date(now), set: (d: Date) => void (now = d.getTime()), advance: (ms: number) => void (now += ms) }
}

/** A logger that keeps warnings and errors so tests can assert there were none. */
export const makeTestLogger = () => {
  const problems: Array<string> = []
  const log: Logger = {
    debugEnabled: false,
    debug: () => {},
    info: () => {},
    warn: (msg, fields) => void problems.push(`${msg} ${JSON.stringify(fields)}`),
    error: (msg, fields) => void problems.push(`${msg} ${JSON.stringify(fields)}`)
  }
  return { log, problems }
}

/** Mounts routes the way the master does: under the API base, errors mapped by the master's one mapping. */
export const mountLikeMaster = (routes: Hono): Hono => {
  const app = new Hono()
  app.route("/api/v1/schedules", routes)
  app.onError((err) => toErrorResponse(err, silentLogger))
  return app
}

/** A fresh, fully migrated database, pools that close, and the PostgreSQL job store. */
export interface SchedulesTestDb {
  readonly db: TestDatabase
  readonly sql: postgres.Sql
  readonly store: JobStoreShape
  readonly pool: () => postgres.Sql
  readonly close: () => Promise<void>
}

export const openSchedulesTestDb = async (): Promise<SchedulesTestDb> => {
  const db = await createTestDatabase("lh_sched")
  const pools: Array<postgres.Sql> = []
  const pool = () => {
    const sql = connect(db.url, { max: 3 })
    pools.push(sql)
    return sql
  }
  const sql = pool()
  await migrate(sql)
  const store = makePgJobStore({ sql })
  return {
    db,
    sql,
    store,
    pool,
    close: async () => {
      await Promise.all(pools.map((p) => p.end()))
      await db.drop()
    }
  }
}
