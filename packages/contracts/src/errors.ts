import { Schema } from "effect"

/** Every error code of the envelope, with its HTTP status (SPEC: HTTP API). */
export const ERROR_STATUS = {
  validation_error: 400,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  lease_lost: 409,
  invalid_transition: 409,
  conflict: 409,
  payload_too_large: 413,
  unsupported_media_type: 415,
  unavailable: 503,
  internal: 500
} as const
export type ErrorCode = keyof typeof ERROR_STATUS
export const ErrorCodeSchema = Schema.Literals(Object.keys(ERROR_STATUS) as Array<ErrorCode>)

/** The error envelope every non-2xx answer carries. */
export const ErrorEnvelope = Schema.Struct({
  error: Schema.Struct({ code: ErrorCodeSchema, message: Schema.String, details: Schema.optionalKey(Schema.Unknown) })
})
export type ErrorEnvelope = typeof ErrorEnvelope.Type

/** Builds an envelope value. */
export const errorEnvelope = (code: ErrorCode, message: string, details?: unknown): ErrorEnvelope => ({
  error: details === undefined ? { code, message } : { code, message, details }
})
