import { API_BASE } from "@leasehold/contracts"
import type { MiddlewareHandler } from "hono"
import { HttpError } from "../../http/HttpError.ts"

/** The three roles of the SPEC's Auth section. */
export type Role = "admin" | "producer" | "worker"

/** Tokens per role, as configured on the master. */
export interface AuthTokens {
  readonly admin: ReadonlyArray<string>
  readonly producer: ReadonlyArray<string>
  readonly worker: ReadonlyArray<string>
}

const WORKER_POST = /^\/(jobs\/lease|jobs\/[^/]+\/(renew|complete|fail|release)|leases\/ack|leases\/renew|workflows\/[^/]+\/jobs)$/
const WORKER_GET = /^\/(jobs|workflows)\/[^/]+$/
const PRODUCER_POST = /^\/(jobs(\/batch)?|workflows|workflows\/[^/]+\/jobs)$/

/** Whether `role` may call `method path` (path relative to the API base): SPEC "Auth scope". */
export const roleAllows = (role: Role, method: string, path: string): boolean => {
  if (role === "admin") return true
  const m = method === "HEAD" ? "GET" : method
  if (m === "GET" && path === "/whoami") return true
  if (role === "producer") return m === "GET" || (m === "POST" && PRODUCER_POST.test(path))
  return (m === "POST" && WORKER_POST.test(path)) || (m === "GET" && WORKER_GET.test(path) && path !== "/jobs/lease")
}

/** Whether any token is configured (else the API is open and bound to loopback). */
export const authEnabled = (tokens: AuthTokens): boolean =>
  tokens.admin.length + tokens.producer.length + tokens.worker.length > 0

/** Bearer-token auth for everything under the API base; a no-op when no token is configured. */
export const auth = (tokens: AuthTokens): MiddlewareHandler => {
  const byToken = new Map<string, Role>()
  for (const role of ["worker", "producer", "admin"] as const) for (const t of tokens[role]) byToken.set(t, role)
  if (byToken.size === 0) return async (_c, next) => next()
  return async (c, next) => {
    const header = c.req.header("authorization")
    if (!header) throw new HttpError("unauthorized", "missing bearer token")
    const match = /^Bearer\s+(\S+)\s*$/i.exec(header)
    const role = match ? byToken.get(match[1]!) : undefined
    if (!role) throw new HttpError("unauthorized", "invalid bearer token")
    const path = c.req.path.slice(API_BASE.length) || "/"
    if (!roleAllows(role, c.req.method, path)) throw new HttpError("forbidden", `the ${role} role may not call ${c.req.method} ${path}`)
    c.set("role" as never, role as never)
    await next()
  }
}
