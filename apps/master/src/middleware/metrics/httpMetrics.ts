import type { MiddlewareHandler } from "hono"
import { matchedRoutes } from "hono/route"
import type { Logger } from "../../http/Logger.ts"
import type { Metrics } from "../../metrics/Metrics.ts"

/** Observes every request's duration by method, matched route template and status; debug-logs it. */
export const httpMetrics = (metrics: Metrics, log: Logger): MiddlewareHandler => async (c, next) => {
  const started = performance.now()
  await next()
  const seconds = (performance.now() - started) / 1000
  const routes = matchedRoutes(c)
  let route = "unmatched"
  for (let i = routes.length - 1; i >= 0; i--) {
    const r = routes[i]!
    if (r.method !== "ALL") {
      route = r.path
      break
    }
  }
  const status = c.res.status
  metrics.httpDuration.observe({ method: c.req.method, route, status: String(status) }, seconds)
  if (log.debugEnabled) log.debug("request", { method: c.req.method, path: c.req.path, route, status, ms: Math.round(seconds * 1e4) / 10 })
}
