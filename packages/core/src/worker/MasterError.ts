import { Data } from "effect"

/**
 * Why a call to the master did not succeed. `Unavailable` (network error, 502/503/504, 429) is
 * transient and retried with backoff for as long as it lasts; `Internal` (500) is retried a few
 * times only, so one poisonous batch cannot block every later one; `LeaseLost` is the expected
 * 409 of a lost lease; `Rejected` is any other 4xx (a bug or a misconfiguration, not retried).
 */
export type MasterErrorReason = "Unavailable" | "Internal" | "LeaseLost" | "Rejected"

/** The one tagged error of the `MasterClient` port. */
export class MasterError extends Data.TaggedError("MasterError")<{
  readonly reason: MasterErrorReason
  readonly message: string
  readonly status?: number | undefined
  readonly code?: string | undefined
  readonly cause?: unknown
}> {}

/** True for failures worth retrying: the master or the network may come back. */
export const isTransient = (error: MasterError): boolean => error.reason === "Unavailable" || error.reason === "Internal"
