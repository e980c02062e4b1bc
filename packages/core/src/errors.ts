import { Data } from "effect"
import type { ErrorCode } from "@leasehold/contracts"

/** Why a store operation did not do what was asked; each maps to one HTTP error code in the master. */
export type StoreErrorReason =
  | "NotFound" // no such job / scan / schedule
  | "LeaseLost" // the token does not hold the job (anymore): 409 lease_lost
  | "InvalidTransition" // the lifecycle machine forbids it: 409 invalid_transition
  | "Conflict" // a name that exists already: 409 conflict
  | "Validation" // input the database refused (bad batch size, bad cursor): 400
  | "PayloadTooLarge" // 413
  | "Unavailable" // database unreachable or shutting down: 503
  | "Internal" // anything else: 500 without details

/** The one tagged error of the store port. */
export class StoreError extends Data.TaggedError("StoreError")<{
  readonly reason: StoreErrorReason
  readonly message: string
  readonly details?: unknown
  readonly cause?: unknown
}> {}

/** Shorthand constructors so call sites read as the reason they report. */
export const storeError = (reason: StoreErrorReason, message: string, details?: unknown, cause?: unknown) =>
  new StoreError({ reason, message, details, cause })

/** The one mapping from a store failure reason to its wire error code (HTTP answers and batched item errors). */
export const STORE_ERROR_CODE: Record<StoreErrorReason, ErrorCode> = {
  NotFound: "not_found",
  LeaseLost: "lease_lost",
  InvalidTransition: "invalid_transition",
  Conflict: "conflict",
  Validation: "validation_error",
  PayloadTooLarge: "payload_too_large",
  Unavailable: "unavailable",
  Internal: "internal"
}
