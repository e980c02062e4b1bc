import { validate, compileErrors } from "@readme/openapi-parser"
import type postgres from "postgres"
import { describe, expect, it } from "vitest"
import { API_BASE } from "@leasehold/contracts"
import type { JobStoreShape, WorkflowStoreShape } from "@leasehold/core"
import { buildApp } from "../app.ts"
import { resolveConfig } from "../config.ts"
import { silentLogger } from "../http/Logger.ts"
import { makeLeaseWaiters } from "../longPoll/LeaseWaiters.ts"
import { makeMetrics } from "../metrics/Metrics.ts"
import type { MasterDeps } from "../MasterDeps.ts"
import { makeWorkerRegistry } from "../registry/WorkerRegistry.ts"
import { openApiDocument } from "./openApiDocument.ts"
import { makeSchedules } from "../schedules/index.ts"

const routeTable = () => {
  const store = {} as JobStoreShape
  const deps: MasterDeps = {
    store,
    workflows: {} as WorkflowStoreShape,
    config: resolveConfig({}),
    log: silentLogger,
    metrics: makeMetrics(async () => null),
    waiters: makeLeaseWaiters(),
    workers: makeWorkerRegistry(store, silentLogger),
    ping: async () => {}
  }
  const schedules = makeSchedules({ sql: {} as postgres.Sql, store, log: silentLogger })
  const app = buildApp(deps, { schedules: schedules.routes })
  return app.routes.filter((r) => r.method !== "ALL")
}

describe("GET /openapi.json", () => {
  const doc = openApiDocument() as { openapi: string; paths: Record<string, Record<string, { operationId: string }>> }

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0")
    const result = await validate(structuredClone(doc) as never)
    if (!result.valid) throw new Error(compileErrors(result))
    expect(result.valid).toBe(true)
  })

  it("lists every route the master serves, with absolute paths", () => {
    const documented = new Set(Object.entries(doc.paths).flatMap(([p, ops]) => Object.keys(ops).map((m) => `${m.toUpperCase()} ${p}`)))
    const served = routeTable()
      .filter((r) => r.path !== "/ui" && !r.path.startsWith("/ui/"))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}").replace(/\/$/, "")}`)
    expect(served.length).toBeGreaterThan(20)
    for (const route of served) expect(documented).toContain(route)
    for (const p of Object.keys(doc.paths)) expect(p.startsWith(API_BASE) || ["/healthz", "/readyz", "/metrics", "/openapi.json"].includes(p)).toBe(true)
    expect(served).toContain(`PATCH ${API_BASE}/schedules/{name}`)
    expect(served).toContain(`POST ${API_BASE}/workflows/{id}/jobs`)
  })

  it("gives every operation a unique id and an error envelope", () => {
    const ids = Object.values(doc.paths).flatMap((ops) => Object.values(ops).map((o) => o.operationId))
    expect(new Set(ids).size).toBe(ids.length)
    expect(JSON.stringify(doc.paths[`${API_BASE}/jobs/lease`])).toContain("#/components/schemas/ErrorEnvelope")
  })
})
