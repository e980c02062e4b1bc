import type postgres from "postgres"

/**
 * Runs statements in ONE transaction in ONE round trip: `begin`, the statements and `commit` are sent
 * back to back on a reserved connection, and the answers are awaited together. When a statement fails,
 * PostgreSQL fails every later one (25P02) and turns the `commit` into a rollback, so nothing is
 * applied; the first error is thrown. The statements are built in order by `build`, which must not
 * await anything (a statement is sent when it is awaited, and they are awaited in order).
 *
 * `sql.reserve()` needs the patch in patches/postgres@3.4.9.patch: without it, a reserve that has to
 * open a connection never resolves when `fetch_types` is off (the store's setting), and that
 * connection is lost to the pool (`leaseAfterAcks.integration.test.ts` runs on a fresh pool to hold that);
 * and once the reserved connection has closed, the patch fails its later statements and leaves it to
 * the pool on release (`connectionTeardown.integration.test.ts`).
 * One round trip instead of three (begin, the statements, commit) is two fewer writes and wake-ups
 * for the client and the server on every lease that carries acks.
 */
export const pipelinedTransaction = async <T extends ReadonlyArray<unknown>>(
  sql: postgres.Sql,
  build: (tx: postgres.Sql) => { readonly [K in keyof T]: PromiseLike<T[K]> }
): Promise<T> => {
  const reserved = await sql.reserve()
  try {
    const statements = [reserved`begin`, ...(build(reserved as unknown as postgres.Sql) as unknown as ReadonlyArray<PromiseLike<unknown>>), reserved`commit`]
    const settled = await Promise.allSettled(statements)
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === "rejected")
    if (failed) throw failed.reason
    return settled.slice(1, -1).map((s) => (s as PromiseFulfilledResult<unknown>).value) as unknown as T
  } finally {
    reserved.release()
  }
}
