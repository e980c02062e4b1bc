import { validate, compileErrors } from "@readme/openapi-parser"
import type postgres from "postgres"
import { describe, expect, it } from "vitest"
import { API_BASE, ERROR_STATUS } from "@leasehold/contracts"
import type { JobStoreShape, WorkflowStoreShape } from "@leasehold/core"
import { buildApp } from "../app.ts"
import { resolveConfig } from "../config.ts"
import { silentLogger } from "../http/Logger.ts"
import { makeLeaseWaiters } from "../longPoll/LeaseWaiters.ts"
import { makeMetrics } from "../metrics/Metrics.ts"
import type { MasterDeps } from "../MasterDeps.ts"
import { makeWorkerRegistry } from "../registry/WorkerRegistry.ts"
import { openApiDocument } from "./openApiDocument.ts"
import { OPERATIONS } from "./operations.ts"
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

type Json = Record<string, any>
interface Op {
  operationId: string
  parameters?: Array<Json>
  requestBody?: { required: boolean; content: Record<string, { schema: Json }> }
  responses: Record<string, { content?: Record<string, { schema: Json }> }>
}

/** Every operation of the document with its method and path. */
const operationsOf = (doc: Json): Array<[string, string, Op]> =>
  Object.entries(doc.paths as Record<string, Record<string, Op>>).flatMap(([path, ops]) => Object.entries(ops).map(([m, op]) => [m, path, op] as [string, string, Op]))

/** Resolves a local `$ref` once. */
const deref = (doc: Json, s: Json): Json => (typeof s.$ref === "string" ? s.$ref.slice(2).split("/").reduce((n: Json, k: string) => n[k], doc) : s)

/** Calls `visit(schema, propertyName)` on every schema reachable from `root`, through refs (each component once). */
const walk = (doc: Json, root: Json, visit: (s: Json, name: string | undefined) => void) => {
  const seen = new Set<string>()
  const go = (s: Json, name: string | undefined) => {
    if (s === null || typeof s !== "object") return
    if (typeof s.$ref === "string") {
      if (seen.has(s.$ref)) return
      seen.add(s.$ref)
      return go(deref(doc, s), name)
    }
    visit(s, name)
    for (const [k, v] of Object.entries((s.properties ?? {}) as Record<string, Json>)) go(v, k)
    for (const key of ["items", "additionalProperties"]) if (typeof s[key] === "object") go(s[key], name)
    for (const key of ["anyOf", "oneOf", "allOf"]) for (const b of s[key] ?? []) go(b, name)
  }
  go(root, undefined)
}

describe("GET /openapi.json", () => {
  const doc = openApiDocument() as Json
  const ops = operationsOf(doc)

  it("is a valid OpenAPI 3.1 document", async () => {
    expect(doc.openapi).toBe("3.1.0")
    const result = await validate(structuredClone(doc) as never)
    if (!result.valid) throw new Error(compileErrors(result))
    expect(result.valid).toBe(true)
  })

  it("lists every route the master serves, with absolute paths", () => {
    const documented = new Set(ops.map(([m, p]) => `${m.toUpperCase()} ${p}`))
    const served = routeTable()
      .filter((r) => r.path !== "/ui" && !r.path.startsWith("/ui/"))
      .map((r) => `${r.method} ${r.path.replace(/:(\w+)/g, "{$1}").replace(/\/$/, "")}`)
    expect(served.length).toBeGreaterThan(20)
    for (const route of served) expect(documented).toContain(route)
    for (const p of Object.keys(doc.paths)) expect(p.startsWith(API_BASE) || ["/healthz", "/readyz", "/metrics", "/openapi.json"].includes(p)).toBe(true)
    expect(served).toContain(`PATCH ${API_BASE}/schedules/{name}`)
    expect(served).toContain(`POST ${API_BASE}/workflows/{id}/jobs`)
    expect(ops).toHaveLength(OPERATIONS.length)
  })

  it("gives every operation a unique id and every error status its envelope, typed by the status's codes", () => {
    const ids = ops.map(([, , op]) => op.operationId)
    expect(new Set(ids).size).toBe(ids.length)
    for (const [method, path, op] of ops) {
      const where = `${method.toUpperCase()} ${path}`
      expect(Object.keys(op.responses).some((s) => Number(s) < 300), where).toBe(true)
      for (const [status, response] of Object.entries(op.responses)) {
        if (Number(status) < 400) continue
        const schema = response.content?.["application/json"]?.schema
        expect(schema, `${where} ${status}`).toBeDefined()
        const branches = (schema!.oneOf ?? [schema]).map((b: Json) => deref(doc, b))
        for (const b of branches) {
          expect(b.required, `${where} ${status}`).toEqual(["error"])
          const codes: Array<string> = b.properties.error.properties.code.enum
          const expected = Object.entries(ERROR_STATUS).filter(([, s]) => s === Number(status)).map(([c]) => c)
          if (expected.length) for (const c of codes) expect(expected, `${where} ${status} ${c}`).toContain(c)
        }
      }
    }
  })

  it("documents on every API operation 401, 403, 500 and 503; 400 where it reads input; 404 where the path names a resource; 413 and 415 where it reads a body", () => {
    for (const [method, path, op] of ops) {
      if (!path.startsWith(API_BASE)) continue
      const where = `${method.toUpperCase()} ${path}`
      const statuses = Object.keys(op.responses).map(Number)
      for (const s of [401, 403, 500, 503]) expect(statuses, `${where} ${s}`).toContain(s)
      const pathParams = (op.parameters ?? []).filter((p) => p.in === "path")
      if (op.requestBody?.required || op.parameters?.length) expect(statuses, `${where} 400`).toContain(400)
      if (pathParams.length) expect(statuses, `${where} 404`).toContain(404)
      if (op.requestBody?.required) for (const s of [413, 415]) expect(statuses, `${where} ${s}`).toContain(s)
      if (/\/jobs\/\{id\}\/(retry|cancel)$/.test(path)) expect(statuses, where).toContain(409)
      if (/\/(renew|complete|fail|release)$/.test(path) && pathParams.length) expect(statuses, where).toContain(409)
    }
    // Counted: every operation that reads a JSON body documents 413 (issue 9 found it on 2 of 12).
    const bodied = ops.filter(([, , op]) => op.requestBody?.required)
    expect(bodied.length).toBeGreaterThanOrEqual(12)
  })

  it("declares an optional empty-object body on every body-less POST, and a required body on every other POST or PATCH", () => {
    for (const [method, path, op] of ops) {
      if (method !== "post" && method !== "patch") continue
      const body = op.requestBody
      expect(body, `${method} ${path}`).toBeDefined()
      const schema = body!.content["application/json"]!.schema
      if (/\}\/(retry|cancel|pause|resume)$|\/leases\/recover$/.test(path)) expect({ path, required: body!.required, type: schema.type }).toEqual({ path, required: false, type: "object" })
      else expect(body!.required, path).toBe(true)
    }
  })

  it("types numbers exactly: ids and counts integers with bounds, timestamps date-time, statuses enums, query numbers integers", () => {
    const numberFields: Array<string> = []
    for (const [method, path, op] of ops) {
      const where = `${method.toUpperCase()} ${path}`
      for (const p of op.parameters ?? []) {
        if (p.name === "id") expect(p.schema, where).toMatchObject({ type: "integer", minimum: 1 })
        if (["limit", "count"].includes(p.name)) expect(p.schema, `${where} ${p.name}`).toMatchObject({ type: "integer", minimum: 1, maximum: expect.any(Number) })
        if (p.name === "status") expect(Array.isArray(p.schema.enum), where).toBe(true)
      }
      const schemas = [
        ...Object.values(op.responses).map((r) => r.content?.["application/json"]?.schema),
        op.requestBody?.content["application/json"]?.schema
      ].filter(Boolean) as Array<Json>
      for (const root of schemas)
        walk(doc, root, (s, name) => {
          if (s.type === "number") numberFields.push(`${where} ${name}`)
          if (name && (name === "id" || name.endsWith("_id")) && (s.type === "integer" || s.type === "number")) expect({ where, name, ...s }).toMatchObject({ type: "integer", minimum: 1 })
          if (s.type === "integer") expect([where, name, typeof s.minimum, typeof s.maximum]).toEqual([where, name, "number", "number"])
          if (name && /_at$|^at$|^server_now$|^fire_times$/.test(name) && s.type === "string") expect({ where, name, format: s.format }).toEqual({ where, name, format: "date-time" })
          if (name === "status" && s.type === "string") expect(Array.isArray(s.enum), `${where} status is an enum`).toBe(true)
        })
    }
    // The only fraction on the wire is a scan's progress.
    expect([...new Set(numberFields.map((f) => f.split(" ").pop()))]).toEqual(["progress"])
  })

  it("closes every response object the SPEC fixes, and leaves request bodies open (unknown fields are ignored)", () => {
    let closed = 0
    for (const [method, path, op] of ops) {
      const where = `${method.toUpperCase()} ${path}`
      for (const [status, response] of Object.entries(op.responses)) {
        const schema = response.content?.["application/json"]?.schema
        if (!schema) continue
        walk(doc, schema, (s, name) => {
          if (s.type !== "object" || !s.properties) return
          expect({ where, status, name, additionalProperties: s.additionalProperties }).toEqual({ where, status, name, additionalProperties: false })
          closed++
        })
      }
      const body = op.requestBody?.required ? op.requestBody.content["application/json"]!.schema : undefined
      if (body) expect(body.additionalProperties, where).not.toBe(false)
    }
    expect(closed).toBeGreaterThan(100)
    const batchItems = deref(doc, doc.paths[`${API_BASE}/jobs/batch`].post.requestBody.content["application/json"].schema).properties.jobs
    expect(batchItems).toMatchObject({ type: "array", minItems: 1, maxItems: 10_000, items: { type: "object", required: ["type"] } })
    expect(batchItems.items.properties.priority).toBeDefined()
  })
})
