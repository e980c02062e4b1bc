import { Schema } from "effect"
import { API_BASE, ErrorEnvelope, ERROR_STATUS } from "@leasehold/contracts"
import { OPERATIONS, type Operation } from "./operations.ts"

type Json = Record<string, unknown>

const INFINITY = JSON.stringify({ type: "string", enum: ["Infinity", "-Infinity", "NaN"] })

/** Drops the codec's non-finite number alternatives and duplicate branches, so documents read as the wire does. */
const tidy = (node: unknown): unknown => {
  if (Array.isArray(node)) return node.map(tidy)
  if (node === null || typeof node !== "object") return node
  const out: Json = {}
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === "$ref" && typeof v === "string") out[k] = v.replace("#/$defs/", "#/components/schemas/")
    else out[k] = tidy(v)
  }
  if (Array.isArray(out.anyOf)) {
    const seen = new Set<string>()
    const branches = (out.anyOf as Array<unknown>).filter((b) => {
      const key = JSON.stringify(b)
      if (key === INFINITY || seen.has(key)) return false
      seen.add(key)
      return true
    })
    delete out.anyOf
    if (branches.length === 1) return { ...out, ...(branches[0] as Json) }
    out.anyOf = branches
  }
  return out
}

const STATUS_TEXT: Record<number, string> = { 400: "Bad request", 401: "Unauthorized", 403: "Forbidden", 404: "Not found", 409: "Conflict", 413: "Payload too large", 415: "Unsupported media type", 500: "Internal error", 503: "Unavailable" }

/** Builds the OpenAPI 3.1 document from the `contracts` schemas; paths are absolute. */
export const openApiDocument = (): Json => {
  const components: Json = {}
  const schemaOf = (s: Schema.Top): Json => {
    const doc = Schema.toJsonSchemaDocument(s)
    for (const [name, def] of Object.entries(doc.definitions)) components[name] = tidy(def)
    return tidy(doc.schema) as Json
  }
  const errorRef = { $ref: "#/components/schemas/ErrorEnvelope" }
  components.ErrorEnvelope = schemaOf(ErrorEnvelope)
  const paths: Record<string, Json> = {}
  for (const op of OPERATIONS) {
    const service = op.tag === "Service"
    const path = service ? op.path : `${API_BASE}${op.path}`
    const params = [...path.matchAll(/\{(\w+)\}/g)].map((m) => ({
      name: m[1],
      in: "path",
      required: true,
      schema: m[1] === "id" ? { type: "integer", minimum: 1 } : { type: "string" }
    }))
    if (op.query) {
      const q = schemaOf(op.query) as { properties?: Record<string, Json> }
      for (const [name, schema] of Object.entries(q.properties ?? {})) params.push({ name, in: "query", required: false, schema: schema as never })
    }
    const responses: Json = {
      [op.ok.status]: {
        description: op.summary,
        ...(op.ok.schema ? { content: { "application/json": { schema: schemaOf(op.ok.schema) } } } : {}),
        ...(op.ok.text ? { content: { [op.ok.text]: { schema: {} } } } : {})
      }
    }
    for (const [status, schema] of op.extra ?? []) responses[status] = { description: "Duplicate idempotency key", content: { "application/json": { schema: schemaOf(schema) } } }
    for (const status of op.errors) responses[status] = { description: STATUS_TEXT[status] ?? "Error", content: { "application/json": { schema: errorRef } } }
    if (!service) responses[500] = { description: STATUS_TEXT[500], content: { "application/json": { schema: errorRef } } }
    paths[path] ??= {}
    paths[path][op.method] = {
      operationId: operationId(op),
      summary: op.summary,
      tags: [op.tag],
      ...(params.length ? { parameters: params } : {}),
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: schemaOf(op.body) } } } } : {}),
      responses,
      ...(service ? { security: [] } : { "x-roles": ["admin", ...(op.roles ?? [])] })
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Leasehold master",
      version: "1.0.0",
      description: `Lease-based job queue on PostgreSQL. Errors use the envelope with codes ${Object.keys(ERROR_STATUS).join(", ")}.`
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, {}],
    tags: ["Producers", "Workers", "Operators", "Scans", "Schedules", "Workflows", "Service"].map((name) => ({ name })),
    paths,
    components: {
      schemas: components,
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A token of the admin, producer or worker role" } }
    }
  }
}

const operationId = (op: Operation): string =>
  op.method +
  op.path
    .split("/")
    .filter(Boolean)
    .map((p) => p.replace(/[{}.]/g, "").replace(/^\w/, (ch) => ch.toUpperCase()))
    .join("")
