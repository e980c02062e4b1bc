import type postgres from "postgres"
import { storeError, type StoreError } from "@leasehold/core"
import { classifyError } from "../classifyError.ts"

/** The store's driver-error classification, with a schedule's own words for a taken name. */
export const classifyScheduleError = (cause: unknown): StoreError => {
  const error = classifyError(cause)
  return error.reason === "Conflict" && error.cause === cause
    ? storeError("Conflict", "a schedule with that name exists already", undefined, cause)
    : error
}

/** Runs a query function and rejects only with classified `StoreError`s. */
export const classified = async <A>(run: () => Promise<A>): Promise<A> => {
  try {
    return await run()
  } catch (cause) {
    throw classifyScheduleError(cause)
  }
}

/** A jsonb parameter (JSON null and absent are both SQL NULL). */
export const jsonb = (sql: postgres.Sql | postgres.TransactionSql, value: unknown) =>
  value === undefined || value === null ? null : sql.json(value as postgres.JSONValue)
