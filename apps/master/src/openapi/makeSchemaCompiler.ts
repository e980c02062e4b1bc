import { Schema } from "effect"

type Json = Record<string, unknown>

const NON_FINITE = JSON.stringify({ type: "string", enum: ["Infinity", "-Infinity", "NaN"] })
const NULL = JSON.stringify({ type: "null" })

/** Drops the codec's non-finite number alternatives and duplicate or absorbed branches, so documents read as the wire does. */
const tidy = (node: unknown, dropNull: boolean): unknown => {
  if (Array.isArray(node)) return node.map((n) => tidy(n, dropNull))
  if (node === null || typeof node !== "object") return node
  const out: Json = {}
  for (const [k, v] of Object.entries(node as Json)) {
    if (k === "$ref" && typeof v === "string") out[k] = v.replace("#/$defs/", "#/components/schemas/")
    else out[k] = tidy(v, dropNull)
  }
  if (Array.isArray(out.anyOf)) {
    const seen = new Set<string>()
    const branches = (out.anyOf as Array<unknown>).filter((b) => {
      const key = JSON.stringify(b)
      if (key === NON_FINITE || (dropNull && key === NULL) || seen.has(key)) return false
      seen.add(key)
      return true
    })
    delete out.anyOf
    // Any JSON value (`{}`) absorbs its alternatives (`payload` may be anything, `null` included).
    if (branches.some((b) => JSON.stringify(b) === "{}")) return out
    if (branches.length === 1) return { ...out, ...(branches[0] as Json) }
    out.anyOf = branches
  }
  return out
}

/** How a schema is used: request bodies stay open (unknown fields are ignored), responses are closed, queries are typed. */
export type SchemaUse = "request" | "response" | "query"

/**
 * A compiler of contracts schemas into OpenAPI 3.1 (JSON Schema 2020-12) schemas. Named schemas (an
 * `identifier` annotation) go to `components`; a name compiled twice to different schemas is an error,
 * so one component is never both an open request and a closed response.
 */
export const makeSchemaCompiler = () => {
  const components: Record<string, Json> = {}
  const compile = (schema: Schema.Top, use: SchemaUse): Json => {
    // A query arrives as strings that the schema parses; the document describes the parsed type.
    const source = use === "query" ? Schema.toType(schema) : schema
    const doc = Schema.toJsonSchemaDocument(source, { onExcessProperty: use === "response" ? "error" : "ignore" })
    for (const [name, def] of Object.entries(doc.definitions)) {
      const tidied = tidy(def, use === "query") as Json
      if (components[name] && JSON.stringify(components[name]) !== JSON.stringify(tidied))
        throw new Error(`OpenAPI component ${name} is compiled twice with different shapes (is it both a request and a response?)`)
      components[name] = tidied
    }
    return tidy(doc.schema, use === "query") as Json
  }
  return { compile, components }
}
