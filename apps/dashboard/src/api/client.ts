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
