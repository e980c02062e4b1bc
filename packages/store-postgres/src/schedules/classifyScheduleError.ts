import type postgres from "postgres"
import { StoreError, storeError } from "@leasehold/core"

const CONNECTION_CODES = new Set(["ECONNREFUSED", "ECONNRESET", "ETIMEDOUT", "EPIPE", "CONNECTION_CLOSED", "CONNECTION_ENDED", "CONNECTION_DESTROYED", "CONNECT_TIMEOUT"])

/** Maps a driver error to a `StoreError` once, at the store boundary; StoreErrors pass through. */
export const classifyScheduleError = (cause: unknown): StoreError => {
  if (cause instanceof StoreError) return cause
  const code = typeof cause === "object" && cause !== null && "code" in cause ? String((cause as { code: unknown }).code) : ""
  if (code === "23505") return storeError("Conflict", "a schedule with that name exists already", undefined, cause)
  if (code === "23514" || code === "22P02" || code === "22007" || code === "22008") {
    return storeError("Validation", "the database refused the schedule's values", undefined, cause)
  }
  if (code.startsWith("08") || code === "57P01" || code === "57P02" || code === "57P03" || CONNECTION_CODES.has(code)) {
    return storeError("Unavailable", "database unavailable", undefined, cause)
  }
  return storeError("Internal", "schedule store failure", undefined, cause)
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
