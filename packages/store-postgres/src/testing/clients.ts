import type postgres from "postgres"
import type { JobStoreShape } from "@leasehold/core"
import { connect } from "../connect.ts"
import { makePgJobStore } from "../PgJobStore.ts"

/** n independent connections (one postgres.js client of one connection each), each with its own store. */
export interface Clients {
  readonly stores: ReadonlyArray<JobStoreShape>
  readonly sqls: ReadonlyArray<postgres.Sql>
  readonly close: () => Promise<void>
}

/** Opens n single-connection clients on `url` for real concurrency tests. */
export const openClients = async (url: string, n: number): Promise<Clients> => {
  const sqls = Array.from({ length: n }, (_, i) => connect(url, { max: 1, application: `leasehold-client-${i}` }))
  await Promise.all(sqls.map((sql) => sql`select 1`))
  return {
    sqls,
    stores: sqls.map((sql) => makePgJobStore({ sql })),
    close: async () => {
      await Promise.all(sqls.map((sql) => sql.end({ timeout: 5 })))
    }
  }
}
