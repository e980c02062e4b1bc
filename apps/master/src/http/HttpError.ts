import { ERROR_STATUS, type ErrorCode } from "@leasehold/contracts"

/** An error raised by the HTTP layer itself (validation, auth, size); mapped by the single onError. */
export class HttpError extends Error {
  readonly status: number
  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: unknown
  ) {
    super(message)
    this.status = ERROR_STATUS[code]
  }
}

/** Shorthand for a 400 validation_error. */
export const badRequest = (message: string, details?: unknown) => new HttpError("validation_error", message, details)

/** The client closed its connection before its request body was read: not a server error (counted as 499). */
export class ClientAbort extends Error {
  constructor() {
    super("client closed the connection before its request body was read")
  }
}
