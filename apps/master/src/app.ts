import { Hono } from "hono"
import { bodyLimit } from "hono/body-limit"
import { API_BASE, MAX_BODY_BYTES } from "@leasehold/contracts"
import { HttpError } from "./http/HttpError.ts"
import { errorResponse, toErrorResponse } from "./http/errorResponse.ts"
import { auth, authEnabled } from "./middleware/auth/auth.ts"
import { crossSite } from "./middleware/crossSite/crossSite.ts"
import { httpMetrics } from "./middleware/metrics/httpMetrics.ts"
import { bulkRoutes } from "./routes/bulk.ts"
import { jobsRoutes } from "./routes/jobs.ts"
import { leasesRoutes, workerJobRoutes } from "./routes/leases.ts"
import { scansRoutes } from "./routes/scans.ts"
import { queuesRoutes } from "./routes/queues.ts"
import { serviceRoutes } from "./routes/service.ts"
import { statsRoutes } from "./routes/stats.ts"
import { whoamiRoutes } from "./routes/whoami.ts"
import { dashboardRoutes } from "./routes/dashboard.ts"
import { workflowsRoutes } from "./routes/workflows.ts"
import type { MasterDeps } from "./MasterDeps.ts"

/** Composes the master's Hono app: service endpoints at the root, the API under API_BASE, one error mapping. */
export const buildApp = (deps: MasterDeps, extra: { readonly schedules?: Hono } = {}): Hono => {
  const { config, log, metrics } = deps
  const app = new Hono()
  app.use("*", httpMetrics(metrics, log))
  const tokens = { admin: config.adminTokens, producer: config.producerTokens, worker: config.workerTokens }
  app.use("*", crossSite({ open: !authEnabled(tokens), corsOrigins: config.corsOrigins ?? [] }))
  app.route("/", serviceRoutes(deps))
  app.route("/", dashboardRoutes(deps))

  const api = new Hono()
  api.use("*", auth(tokens))
  api.use("/schedules/*", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new HttpError("payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`) } }))
  api.use("/schedules", bodyLimit({ maxSize: MAX_BODY_BYTES, onError: () => { throw new HttpError("payload_too_large", `request body exceeds ${MAX_BODY_BYTES} bytes`) } }))
  api.route("/jobs", workerJobRoutes(deps))
  api.route("/jobs/bulk", bulkRoutes(deps))
  api.route("/jobs", jobsRoutes(deps))
  api.route("/leases", leasesRoutes(deps))
  api.route("/scans", scansRoutes(deps))
  if (deps.workflows) api.route("/workflows", workflowsRoutes(deps.workflows))
  if (deps.queues) api.route("/queues", queuesRoutes({ ...deps, queues: deps.queues }))
  api.route("/", statsRoutes(deps))
  api.route("/", whoamiRoutes(deps))
  if (extra.schedules) api.route("/schedules", extra.schedules)
  app.route(API_BASE, api)

  app.notFound((c) => errorResponse("not_found", `no route for ${c.req.method} ${c.req.path}`))
  app.onError((err, c) => toErrorResponse(err, log, { method: c.req.method, path: c.req.path }))
  return app
}
