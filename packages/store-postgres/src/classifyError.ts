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

/** query_canceled: a statement ran past statement_timeout (the operator read pool sets one). */
const STATEMENT_TIMEOUT = "57014"

const reasonOf = (code: string): StoreErrorReason => {
  if (code === STATEMENT_TIMEOUT) return "Unavailable"
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

/** Our own words for the data errors a request can still meet in the database (the API validates first). */
const VALIDATION_MESSAGES: Record<string, string> = {
  "22021": "a text value contains a character the database cannot store (NUL or invalid UTF-8)",
  "22P05": "a JSON value contains \\u0000 (NUL), which the database cannot store",
  "22P02": "a value is not in a valid format",
  "22007": "a timestamp is not valid",
  "22008": "a timestamp is out of range (years 0001..9999)",
  "22003": "a number is out of range",
  "22001": "a text value is too long",
  "23514": "a value breaks a rule of the data model (out of range or inconsistent)"
}

/** The message a client may see: never the driver's text, which can quote SQL, constraints or values. */
const ownMessage = (reason: StoreErrorReason, code: string, cause: unknown): string => {
  if (code === STATEMENT_TIMEOUT) return "the read was cancelled at the read timeout (statement_timeout): narrow its filters, or raise --read-timeout-ms"
  if (reason === "Unavailable") return "database unavailable"
  if (reason === "Conflict") return "conflicts with an existing record"
  if (reason !== "Validation") return "internal store error"
  const raised = (cause as { message?: unknown })?.message
  // The lease statement raises this one itself (migration 0002) with our own wording.
  if (code === "22023" && typeof raised === "string" && raised.startsWith("requested_batch_size ")) return raised
  return VALIDATION_MESSAGES[code] ?? "a value is not valid"
}

/** Maps a driver error to the store's typed error once, at the boundary; driver and SQL text never reach messages. */
export const classifyError = (cause: unknown): StoreError => {
  if (cause instanceof StoreError) return cause
  const code = errorCode(cause) ?? ""
  const reason = reasonOf(code)
  const message = ownMessage(reason, code, cause)
  return new StoreError({
    reason,
    message,
    details: isRetryableCode(code) ? { sqlstate: code, retryable: true } : code ? { sqlstate: code } : undefined,
    cause
  })
}
