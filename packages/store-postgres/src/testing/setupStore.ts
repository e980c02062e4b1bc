import type postgres from "postgres"
import type { JobStoreShape, WorkflowStoreShape } from "@leasehold/core"
import { createTestDatabase } from "@leasehold/tooling"
import { connect } from "../connect.ts"
import { migrate } from "../migrate.ts"
import { makePgJobStore, makePgWorkflowStore, type PgJobStoreOptions } from "../PgJobStore.ts"

/** A migrated throwaway database with a store on it. */
export interface TestStore {
  readonly sql: postgres.Sql
  readonly store: JobStoreShape
  readonly workflows: WorkflowStoreShape
  readonly url: string
  /** Ends the pool and drops the database. */
  readonly close: () => Promise<void>
}

/** For test files: a fresh database (tooling's harness), migrated, with a pool and a store. */
export const setupStore = async (
  options: { readonly max?: number } & Omit<PgJobStoreOptions, "sql"> = {}
): Promise<TestStore> => {
  const db = await createTestDatabase("lh_store")
  const sql = connect(db.url, { max: options.max ?? 10, application: "leasehold-test" })
  try {
    await migrate(sql)
  } catch (e) {
    await sql.end({ timeout: 5 })
    await db.drop()
    throw e
  }
  return {
    sql,
    store: makePgJobStore({ ...options, sql }),
    workflows: makePgWorkflowStore({ sql }),
    url: db.url,
    close: async () => {
      await sql.end({ timeout: 5 })
      await db.drop()
    }
  }
}
