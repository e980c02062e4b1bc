import type { MiddlewareHandler } from "hono"
import { errorResponse } from "../../http/errorResponse.ts"
import { isLoopbackHost } from "./loopbackHost.ts"

/** What the cross-site guard needs to know about the master. */
export interface CrossSiteOptions {
  /** No token configured: the API is open, so only loopback Host names are answered. */
  readonly open: boolean
  /** Origins (`scheme://host[:port]`) allowed to call cross-origin; empty = no CORS at all. */
  readonly corsOrigins: ReadonlyArray<string>
}

const STATE_CHANGING = new Set(["POST", "PUT", "PATCH", "DELETE"])
const JSON_TYPE = /^application\/json\s*(;|$)/i
const ALLOW_METHODS = "GET, HEAD, POST, PATCH, DELETE"
const ALLOW_HEADERS = "authorization, content-type"

const originHost = (origin: string): string | undefined => {
  try {
    return new URL(origin).host
  } catch {
    return undefined
  }
}

const hasBody = (length: string | undefined, transferEncoding: string | undefined): boolean =>
  (length !== undefined && length.trim() !== "0") || transferEncoding !== undefined

/**
 * Guards a master against requests a web page makes on its user's behalf (SPEC-independent hardening;
 * README "Security notes"): an open master answers only loopback Host names (DNS rebinding); a
 * state-changing request from another origin is 403 unless that origin is configured for CORS; a body
 * that is not `application/json` is 415 (a page can send text/plain, form and multipart bodies without
 * a preflight); preflights are answered only for the configured origins.
 */
export const crossSite = (options: CrossSiteOptions): MiddlewareHandler => {
  const allowed = new Set(options.corsOrigins)
  return async (c, next) => {
    const method = c.req.method
    const host = c.req.header("host")
    if (options.open && host !== undefined && !isLoopbackHost(host))
      return errorResponse(
        "forbidden",
        `Host "${host}" is not a loopback name: a master without tokens answers only localhost, 127.0.0.1 and [::1] (configure tokens to serve other names)`
      )
    const origin = c.req.header("origin")
    const corsOrigin = origin !== undefined && allowed.has(origin) ? origin : undefined
    if (method === "OPTIONS" && origin !== undefined) {
      if (corsOrigin === undefined) return errorResponse("forbidden", `origin ${origin} is not allowed (see --cors-origin)`)
      return c.body(null, 204, {
        "access-control-allow-origin": corsOrigin,
        "access-control-allow-methods": ALLOW_METHODS,
        "access-control-allow-headers": ALLOW_HEADERS,
        "access-control-max-age": "600",
        vary: "Origin"
      })
    }
    if (STATE_CHANGING.has(method) && corsOrigin === undefined) {
      const crossOrigin = origin !== undefined && (host === undefined || originHost(origin) !== host.toLowerCase())
      if (crossOrigin || c.req.header("sec-fetch-site") === "cross-site")
        return errorResponse("forbidden", `cross-origin ${method} refused${origin ? ` (origin ${origin})` : ""}: allow the origin with --cors-origin`)
    }
    if (STATE_CHANGING.has(method) && hasBody(c.req.header("content-length"), c.req.header("transfer-encoding")) && !JSON_TYPE.test(c.req.header("content-type") ?? ""))
      return errorResponse("unsupported_media_type", `request bodies must be JSON: send Content-Type: application/json (got ${c.req.header("content-type") ?? "none"})`)
    await next()
    if (corsOrigin !== undefined) {
      c.res.headers.set("access-control-allow-origin", corsOrigin)
      c.res.headers.append("vary", "Origin")
    }
  }
}
