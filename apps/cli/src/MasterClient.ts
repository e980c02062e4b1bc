import { Schema } from "effect"
import { API_BASE, ErrorEnvelope } from "@leasehold/contracts"

/** An answer from the master that is not 2xx (message from the error envelope), or no answer at all. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: unknown
  ) {
    super(message)
  }
}

/** How to reach the master. */
export interface MasterTarget {
  readonly url: string
  readonly token?: string | undefined
}

type Query = Record<string, string | number | undefined>

/** The CLI's HTTP client: paths from `Routes`, answers checked against the `contracts` schemas. */
export interface MasterClient {
  readonly get: <A>(schema: Schema.Codec<A, unknown>, path: string, query?: Query) => Promise<A>
  readonly send: <A>(schema: Schema.Codec<A, unknown>, method: "POST" | "PATCH", path: string, body?: unknown) => Promise<A>
  readonly remove: (path: string) => Promise<void>
}

const decodeEnvelope = Schema.decodeUnknownOption(ErrorEnvelope)

/** Builds a client for one master; the base path is `API_BASE`. */
export const makeMasterClient = (target: MasterTarget): MasterClient => {
  const base = `${target.url.replace(/\/+$/, "")}${API_BASE}`

  const call = async (method: string, path: string, query?: Query, body?: unknown): Promise<unknown> => {
    const url = new URL(`${base}${path}`)
    for (const [k, v] of Object.entries(query ?? {})) if (v !== undefined) url.searchParams.set(k, String(v))
    const headers: Record<string, string> = { accept: "application/json" }
    if (body !== undefined) headers["content-type"] = "application/json"
    if (target.token) headers.authorization = `Bearer ${target.token}`
    let res: Response
    try {
      res = await fetch(url, { method, headers, body: body === undefined ? undefined : JSON.stringify(body) })
    } catch (cause) {
      const reason = cause instanceof Error && cause.cause instanceof Error ? cause.cause.message : String(cause)
      throw new ApiError(0, "unreachable", `cannot reach the master at ${target.url}: ${reason}`)
    }
    const text = await res.text()
    let parsed: unknown = undefined
    if (text !== "") {
      try {
        parsed = JSON.parse(text)
      } catch {
        throw new ApiError(res.status, "bad_response", `the master answered ${res.status} with a body that is not JSON`)
      }
    }
    if (!res.ok) {
      const envelope = decodeEnvelope(parsed)
      if (envelope._tag === "Some") {
        const { code, message, details } = envelope.value.error
        throw new ApiError(res.status, code, message, details)
      }
      throw new ApiError(res.status, "http_error", `the master answered ${res.status} ${res.statusText}`)
    }
    return parsed
  }

  const decode = <A>(schema: Schema.Codec<A, unknown>, value: unknown): A => {
    const result = Schema.decodeUnknownExit(schema)(value)
    if (result._tag === "Success") return result.value
    throw new ApiError(200, "bad_response", "the master's answer does not match the API contract")
  }

  return {
    get: async (schema, path, query) => decode(schema, await call("GET", path, query)),
    send: async (schema, method, path, body) => decode(schema, await call(method, path, undefined, body ?? {})),
    remove: async (path) => void (await call("DELETE", path))
  }
}
