import { Hono } from "hono"
import { errorEnvelope } from "@leasehold/contracts"
import { openApiDocument } from "../openapi/openApiDocument.ts"
import type { MasterDeps } from "../MasterDeps.ts"

/** Root service endpoints (no token): health, readiness, metrics, the OpenAPI document. */
export const serviceRoutes = (deps: MasterDeps) => {
  const app = new Hono()
  let openapi: string | undefined
  app.get("/healthz", (c) => c.json({ status: "ok" }))
  app.get("/readyz", async (c) => {
    try {
      await deps.ping()
      return c.json({ status: "ready" })
    } catch {
      return c.json(errorEnvelope("unavailable", "the database is unreachable"), 503)
    }
  })
  app.get("/metrics", async (c) => {
    const body = await deps.metrics.registry.metrics()
    return c.body(body, 200, { "content-type": deps.metrics.registry.contentType })
  })
  app.get("/openapi.json", (c) => {
    openapi ??= JSON.stringify(openApiDocument())
    return c.body(openapi, 200, { "content-type": "application/json" })
  })
  return app
}
