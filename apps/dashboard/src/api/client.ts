import createClient from "openapi-fetch"
import type { paths } from "./schema.ts"
import { getToken } from "./token.ts"

/** An error answer of the API (its envelope), or a failure to reach it (status 0). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string
  ) {
    super(message)
  }
  /** The master has no such route (an older master: workflows or queues not served yet). */
  get routeMissing(): boolean {
    return this.status === 404 && this.message.startsWith("no route for")
  }
}

/** Bearer auth on every call: the token is read per request, so a new one applies at once. */
const withToken = (init?: HeadersInit): Headers => {
  const headers = new Headers(init)
  const token = getToken()
  if (token !== null) headers.set("authorization", `Bearer ${token}`)
  return headers
}

/** The typed client of the master's API (same origin; types generated from its OpenAPI document). */
export const api = createClient<paths>({ baseUrl: window.location.origin })
api.use({
  onRequest: ({ request }) => {
    const token = getToken()
    if (token !== null) request.headers.set("authorization", `Bearer ${token}`)
    return request
  }
})

const toApiError = (status: number, body: unknown): ApiError => {
  const env = (body as { error?: { code?: string; message?: string } } | undefined)?.error
  return new ApiError(status, env?.code ?? "internal", env?.message ?? `the master answered ${status}`)
}

/** Unwraps an openapi-fetch answer: its data, or an ApiError carrying the envelope's code and message. */
export const unwrap = async <T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> => {
  let answer: { data?: T; error?: unknown; response: Response }
  try {
    answer = await call
  } catch {
    throw new ApiError(0, "unavailable", "the master cannot be reached; is it running?")
  }
  if (answer.error !== undefined || !answer.response.ok) throw toApiError(answer.response.status, answer.error)
  return answer.data as T
}

/**
 * A call to a route the generated types do not know yet (it lands on the master later, per the SPEC's shape).
 * A 404 "no route" comes back as an ApiError whose `routeMissing` is true, so the page can say so.
 */
export const callUntyped = async <T>(method: "GET" | "POST" | "PATCH", path: string, body?: unknown): Promise<T> => {
  let res: Response
  try {
    res = await fetch(path, {
      method,
      headers: withToken(body === undefined ? undefined : { "content-type": "application/json" }),
      body: body === undefined ? undefined : JSON.stringify(body)
    })
  } catch {
    throw new ApiError(0, "unavailable", "the master cannot be reached; is it running?")
  }
  const parsed: unknown = await res.json().catch(() => undefined)
  if (!res.ok) throw toApiError(res.status, parsed)
  return parsed as T
}
