import { Schema } from "effect"
import { API_BASE, ERROR_STATUS, ErrorEnvelope, Id } from "@leasehold/contracts"
import { errorResponseOf, errorStatusesOf, pathParamsOf } from "./errorResponses.ts"
import { makeSchemaCompiler } from "./makeSchemaCompiler.ts"
import { OPERATIONS, type Operation } from "./operations.ts"

type Json = Record<string, unknown>

/** What a body-less POST accepts: nothing, or a JSON object whose fields are all ignored. */
const EMPTY_BODY = { required: false, content: { "application/json": { schema: { type: "object", description: "Ignored; the server accepts `{}`" } } } }

/** Builds the OpenAPI 3.1 document from the `contracts` schemas and the operation table; paths are absolute. */
export const openApiDocument = (): Json => {
  const { compile, components } = makeSchemaCompiler()
  components.ErrorEnvelope = compile(ErrorEnvelope, "response")
  const paths: Record<string, Json> = {}
  for (const op of OPERATIONS) {
    const service = op.tag === "Service"
    const path = service ? op.path : `${API_BASE}${op.path}`
    const params: Array<Json> = pathParamsOf(path).map((name) => ({
      name,
      in: "path",
      required: true,
      schema: compile(op.params?.[name] ?? (name === "id" ? Id : Schema.String), "query")
    }))
    if (op.query) {
      const q = compile(op.query, "query") as { properties?: Record<string, Json>; required?: Array<string> }
      for (const [name, schema] of Object.entries(q.properties ?? {}))
        params.push({ name, in: "query", required: q.required?.includes(name) ?? false, schema })
    }
    const responses: Json = { [op.ok.status]: okResponse(op, (s) => compile(s, "response")) }
    for (const [status, schema, description] of op.extra ?? [])
      responses[status] = { description, content: { "application/json": { schema: compile(schema, "response") } } }
    for (const status of errorStatusesOf(op)) responses[status] = errorResponseOf(op, status, (s) => compile(s, "response"))
    paths[path] ??= {}
    paths[path][op.method] = {
      operationId: operationId(op),
      summary: op.summary,
      tags: [op.tag],
      ...(params.length ? { parameters: params } : {}),
      ...(op.body ? { requestBody: { required: true, content: { "application/json": { schema: compile(op.body, "request") } } } } : {}),
      ...(op.emptyBody ? { requestBody: EMPTY_BODY } : {}),
      responses,
      ...(service ? { security: [] } : { "x-roles": ["admin", ...(op.roles ?? [])] })
    }
  }
  return {
    openapi: "3.1.0",
    info: {
      title: "Leasehold master",
      version: "1.0.0",
      description: `Lease-based job queue on PostgreSQL. Errors use the envelope with codes ${Object.keys(ERROR_STATUS).join(", ")}. Unknown request fields are ignored; \`null\` on an optional field means absent.`
    },
    servers: [{ url: "/" }],
    security: [{ bearer: [] }, {}],
    tags: ["Producers", "Workers", "Operators", "Scans", "Queues", "Schedules", "Workflows", "Service"].map((name) => ({ name })),
    paths,
    components: {
      schemas: Object.fromEntries(Object.entries(components).sort(([a], [b]) => a.localeCompare(b))),
      securitySchemes: { bearer: { type: "http", scheme: "bearer", description: "A token of the admin, producer or worker role" } }
    }
  }
}

const okResponse = (op: Operation, compile: (s: Schema.Top) => Json): Json => ({
  description: op.summary,
  ...(op.ok.schema ? { content: { "application/json": { schema: compile(op.ok.schema) } } } : {}),
  ...(op.ok.text ? { content: { [op.ok.text]: { schema: op.ok.text === "application/json" ? { type: "object" } : { type: "string" } } } } : {})
})

const operationId = (op: Operation): string =>
  op.method +
  op.path
    .split("/")
    .filter(Boolean)
    .map((p) => p.replace(/[{}.]/g, "").replace(/^\w/, (ch) => ch.toUpperCase()))
    .join("")
