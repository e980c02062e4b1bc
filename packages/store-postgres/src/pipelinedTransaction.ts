import type postgres from "postgres"

/**
 * Runs statements in ONE transaction, sent back to back (pipelined) between `begin` and `commit`:
 * three round trips whatever their number. When a statement fails, PostgreSQL fails every later one
 * (25P02) and the transaction rolls back, so nothing is applied; the first error is thrown. The
 * statements are built in order by `build`, which must not await anything.
 *
 * Not `sql.reserve()` with `begin` and `commit` in the pipeline (one round trip): in postgres.js 3.4.9 a
 * reserve that has to open a connection never resolves when `fetch_types` is off (the store's setting),
 * and that connection is lost to the pool (`leaseAfterAcks.integration.test.ts` runs on a fresh pool to hold that).
 */
export const pipelinedTransaction = async <T extends ReadonlyArray<unknown>>(
  sql: postgres.Sql,
  build: (tx: postgres.Sql) => { readonly [K in keyof T]: PromiseLike<T[K]> }
): Promise<T> =>
  (await sql.begin((tx) => build(tx as unknown as postgres.Sql) as unknown as ReadonlyArray<Promise<unknown>>)) as unknown as T
