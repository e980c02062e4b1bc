import { StoreError, type StoreErrorReason } from "@leasehold/core"

const UNAVAILABLE_CODES = new Set([
  "57P01",
  "57P02",
  "57P03",
  "ECONNREFUSED",
  "ECONNRESET",
  "ETIMEDOUT",
  "EPIPE",
  "ENOTFOUND",
  "EAI_AGAIN"
])

const reasonOf = (code: string): StoreErrorReason => {
  if (code === "23505") return "Conflict"
  if (code === "40001" || code === "40P01") return "Internal"
  if (code === "23514" || code.startsWith("22")) return "Validation"
  if (code.startsWith("08") || code.startsWith("CONNECTION_") || code === "CONNECT_TIMEOUT") return "Unavailable"
  if (UNAVAILABLE_CODES.has(code)) return "Unavailable"
  return "Internal"
}

/** SQLSTATEs worth repeating the statement for: the database rolled it back and says try again. */
export const isRetryableCode = (code: string | undefined): boolean => code === "40001" || code === "40P01"

/** The SQLSTATE (or driver / socket code) of a thrown value, when it has one. */
export const errorCode = (cause: unknown): string | undefined => {
  if (typeof cause !== "object" || cause === null) return undefined
  const code = (cause as { code?: unknown }).code
  return typeof code === "string" ? code : undefined
}

/** Maps a driver error to the store's typed error once, at the boundary; SQL text never leaks into messages. */
export const classifyError = (cause: unknown): StoreError => {
  if (cause instanceof StoreError) return cause
  const code = errorCode(cause) ?? ""
  const reason = reasonOf(code)
  const message =
    reason === "Validation" || reason === "Conflict"
      ? ((cause as { message?: string }).message ?? reason)
      : reason === "Unavailable"
        ? "database unavailable"
        : "internal store error"
  return new StoreError({
    reason,
    message,
    details: isRetryableCode(code) ? { sqlstate: code, retryable: true } : code ? { sqlstate: code } : undefined,
    cause
  })
}
