import { Result, Schema } from "effect"
import type { Context } from "hono"
import { badRequest } from "./HttpError.ts"
import { isWellFormed, jsonTextProblem } from "./jsonTextProblem.ts"
import { readBodyText } from "./readBodyText.ts"

/** Why a plain text value (query value, path segment) cannot be stored, or undefined. */
export const textProblem = (s: string): string | undefined =>
  s.includes("\u0000") ? "contains NUL (\\u0000)" : isWellFormed(s) ? undefined : "contains a lone UTF-16 surrogate"

/** A precompiled decoder: returns the decoded value or throws a 400 naming what is wrong. */
export type Decoder<A> = (input: unknown, where?: string) => A

/** Compiles `schema` once into a decoder that throws `validation_error` with a readable message. */
export const decoder = <S extends Schema.Top & Schema.ConstraintDecoder<unknown>>(schema: S): Decoder<S["Type"]> => {
  const decode = Schema.decodeUnknownResult(schema)
  return (input, where = "body") => {
    const r = decode(input, { errors: "all" })
    if (Result.isSuccess(r)) return r.success
    throw badRequest(`invalid ${where}: ${r.failure.message.replace(/\n\s*/g, " ")}`)
  }
}

/** Like `decoder` but returns the message instead of throwing (batch items name their index). */
export const checker = <S extends Schema.Top & Schema.ConstraintDecoder<unknown>>(schema: S) => {
  const decode = Schema.decodeUnknownResult(schema)
  return (input: unknown): { ok: true; value: S["Type"] } | { ok: false; message: string } => {
    const r = decode(input, { errors: "all" })
    return Result.isSuccess(r) ? { ok: true, value: r.success } : { ok: false, message: r.failure.message.replace(/\n\s*/g, " ") }
  }
}

/** Parses a JSON body text; empty, malformed, too deep or unstorable JSON (see jsonTextProblem) is a 400. */
export const parseJson = (text: string): unknown => {
  if (text.length === 0) throw badRequest("request body must be JSON")
  const problem = jsonTextProblem(text)
  if (problem !== undefined) throw badRequest(`invalid body: ${problem}`)
  try {
    return JSON.parse(text)
  } catch {
    throw badRequest("malformed JSON body")
  }
}

/** Parses the JSON body (the size limit is enforced before it is read). */
export const readJson = async (c: Context): Promise<unknown> => parseJson(await readBodyText(c))

/** Reads and decodes the JSON body against a precompiled decoder. */
export const readBody = async <A>(c: Context, decode: Decoder<A>): Promise<A> => decode(await readJson(c))

/** Decodes the query string against a precompiled decoder; NUL or lone surrogates in a value are a 400. */
export const readQuery = <A>(c: Context, decode: Decoder<A>): A => {
  const query = c.req.query()
  for (const [name, value] of Object.entries(query)) if (textProblem(value)) throw badRequest(`invalid query: ${name} ${textProblem(value)}`)
  return decode(query, "query")
}

/** A positive integer path parameter (job ids); anything else is a 400. */
export const intParam = (c: Context, name: string): number => {
  const raw = c.req.param(name) ?? ""
  const n = Number(raw)
  if (!/^[1-9]\d{0,15}$/.test(raw) || !Number.isSafeInteger(n)) throw badRequest(`invalid path: ${name} must be a positive integer`)
  return n
}

/** `null` means absent on the wire. */
export const orUndef = <A>(v: A | null | undefined): A | undefined => (v === null ? undefined : v)
