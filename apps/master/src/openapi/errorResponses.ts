import { Schema } from "effect"
import { ERROR_STATUS, type ErrorCode } from "@leasehold/contracts"
import type { Operation } from "./operations.ts"

type Json = Record<string, unknown>

const STATUS_TEXT: Record<number, string> = {
  400: "Validation error: malformed JSON, a wrong type, a bad name or an out-of-range number",
  401: "Unauthorized: a token is configured and none or a wrong one was given",
  403: "Forbidden: the token's role may not call this operation, or the request's host or origin is refused",
  404: "Not found",
  409: "Conflict",
  413: "Payload too large: the body exceeds 32 MiB or a payload exceeds 1 MiB",
  415: "Unsupported media type: the body is not JSON",
  500: "Internal error (never carries a stack trace or SQL)",
  503: "Unavailable: the database cannot be reached, retry later"
}

/** The path parameters of an operation's template. */
export const pathParamsOf = (path: string): Array<string> => [...path.matchAll(/\{(\w+)\}/g)].map((m) => m[1]!)

/**
 * Every error status an operation answers, derived from what it reads: any API call may be refused
 * (401, 403) or fail (500, 503); input it decodes (a body, a query, a path parameter) may be a 400;
 * a path naming a resource may be a 404; a body may be too large (413) or not JSON (415); 409 only
 * where the operation names its conflicts.
 */
export const errorStatusesOf = (op: Operation): Array<number> => {
  if (op.tag === "Service") return [...(op.errors ?? [])]
  const statuses = new Set([401, 403, 500, 503])
  const params = pathParamsOf(op.path).length > 0
  if (op.body || op.query || params) statuses.add(400)
  if (params) statuses.add(404)
  if (op.conflicts?.length) statuses.add(409)
  if (op.body) for (const s of [413, 415]) statuses.add(s)
  for (const s of op.errors ?? []) statuses.add(s)
  return [...statuses].sort((a, b) => a - b)
}

/** The envelope of one error code: `{error: {code, message, details?}}`, closed. */
export const envelopeOf = (code: ErrorCode) =>
  Schema.Struct({
    error: Schema.Struct({ code: Schema.Literal(code), message: Schema.String, details: Schema.optionalKey(Schema.Unknown) })
  }).annotate({ identifier: `ErrorEnvelope.${code}` })

/** The error codes a status carries on an operation: 409 carries the operation's conflicts, others their fixed code. */
export const codesOf = (op: Operation, status: number): Array<ErrorCode> =>
  status === 409
    ? [...(op.conflicts ?? [])]
    : (Object.entries(ERROR_STATUS) as Array<[ErrorCode, number]>).filter(([, s]) => s === status).map(([c]) => c)

/** The documented response of an error status, typed by its codes (the generic envelope when the status has none). */
export const errorResponseOf = (op: Operation, status: number, compile: (s: Schema.Top) => Json): Json => {
  const codes = codesOf(op, status)
  const refs = codes.map((code) => compile(envelopeOf(code)))
  const schema = refs.length === 0 ? { $ref: "#/components/schemas/ErrorEnvelope" } : refs.length === 1 ? refs[0]! : { oneOf: refs }
  const description = status === 409 ? `Conflict: ${codes.join(" or ")}` : (STATUS_TEXT[status] ?? "Error")
  return { description, content: { "application/json": { schema } } }
}
