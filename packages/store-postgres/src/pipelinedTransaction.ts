import type postgres from "postgres"

/**
 * Runs statements in ONE transaction and, once each statement is prepared on the connection, ONE round
 * trip: `begin`, the statements and `commit` are pipelined on a reserved connection instead of waiting
 * for each answer. When a statement fails, PostgreSQL fails every later one (25P02) and turns the
 * `commit` into a rollback, so nothing is applied; the first error is thrown. The statements are built
 * in order by `build`, which must not await anything.
 */
export const pipelinedTransaction = async <T extends ReadonlyArray<unknown>>(
  sql: postgres.Sql,
  build: (tx: postgres.Sql) => { readonly [K in keyof T]: PromiseLike<T[K]> }
): Promise<T> => {
  const tx = await sql.reserve()
  try {
    const begin = tx`begin`
    const statements = build(tx as unknown as postgres.Sql)
    const commit = tx`commit`
    const settled = await Promise.allSettled([begin, ...(statements as ReadonlyArray<PromiseLike<unknown>>), commit])
    const failed = settled.find((s) => s.status === "rejected")
    if (failed !== undefined) {
      // The commit may have failed for a reason that left the transaction open (a driver-side error):
      // make sure the connection goes back to the pool outside any transaction.
      await tx`rollback`.catch(() => {})
      throw (failed as PromiseRejectedResult).reason
    }
    return settled.slice(1, -1).map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T
  } finally {
    tx.release()
  }
}
