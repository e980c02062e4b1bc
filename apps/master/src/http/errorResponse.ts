import { ERROR_STATUS, errorEnvelope, type ErrorCode } from "@leasehold/contracts"
import { STORE_ERROR_CODE, StoreError, type StoreErrorReason } from "@leasehold/core"
import { ClientAbort, HttpError } from "./HttpError.ts"

/** Status recorded for a request its client abandoned (nginx's 499): nobody reads the answer. */
export const CLIENT_CLOSED_REQUEST = 499
import type { Logger } from "./Logger.ts"

/** The one mapping from a typed store failure to a wire error code. */
export const REASON_CODE: Record<StoreErrorReason, ErrorCode> = STORE_ERROR_CODE

const json = (code: ErrorCode, message: string, details?: unknown): Response =>
  new Response(JSON.stringify(errorEnvelope(code, message, details)), {
    status: ERROR_STATUS[code],
    headers: { "content-type": "application/json" }
  })

/** An envelope response for a code. */
export const errorResponse = json

const isStoreError = (e: unknown): e is StoreError =>
  e instanceof StoreError || (typeof e === "object" && e !== null && (e as { _tag?: unknown })._tag === "StoreError")

/** Store details may carry the SQLSTATE for logs and retries; the client never sees it. */
const withoutSqlstate = (details: unknown): unknown => {
  if (typeof details !== "object" || details === null || !("sqlstate" in details)) return details
  const { sqlstate: _, ...rest } = details as Record<string, unknown>
  return Object.keys(rest).length > 0 ? rest : undefined
}

/** A read the database cancelled at its statement timeout (SQLSTATE 57014): its message names the remedy. */
const isReadTimeout = (e: StoreError) => (e.details as { sqlstate?: unknown } | undefined)?.sqlstate === "57014"

/** Turns anything thrown by a handler into the SPEC error envelope; a 500 never leaks its cause. */
export const toErrorResponse = (err: unknown, log: Logger, context: Record<string, unknown> = {}): Response => {
  if (err instanceof HttpError) return json(err.code, err.message, err.details)
  if (err instanceof ClientAbort) {
    if (log.debugEnabled) log.debug("client aborted the request", context)
    return new Response(null, { status: CLIENT_CLOSED_REQUEST })
  }
  if (isStoreError(err)) {
    const code = REASON_CODE[err.reason] ?? "internal"
    if (code === "internal") {
      log.error("internal store error", { ...context, error: String(err.message), cause: String(err.cause ?? "") })
      return json("internal", "internal error")
    }
    if (code === "unavailable") return json("unavailable", isReadTimeout(err) ? err.message : "the database is unavailable, retry later")
    return json(code, err.message, withoutSqlstate(err.details))
  }
  const status = (err as { status?: unknown })?.status
  if (status === 413) return json("payload_too_large", "request body too large")
  log.error("unhandled error", { ...context, error: err instanceof Error ? err.stack ?? err.message : String(err) })
  return json("internal", "internal error")
}
