import { Ajv2020 } from "ajv/dist/2020.js"
import addFormats from "ajv-formats"
import type { Answer, Call } from "../harness.ts"

type Json = Record<string, any>

/** One exchange checked against the document: which operation, what failed (empty when it conforms). */
export interface Checked {
  readonly operation: string
  readonly status: number
  readonly problems: ReadonlyArray<string>
}

/** A recorded exchange: response problems, and the request's own problems against the document. */
export interface Exchange extends Checked {
  readonly requestProblems: ReadonlyArray<string>
}

const pointer = (parts: ReadonlyArray<string>) => "#/" + parts.map((p) => p.replace(/~/g, "~0").replace(/\//g, "~1")).join("/")

/**
 * A validator of traffic against an OpenAPI 3.1 document with Ajv (JSON Schema 2020-12, formats on):
 * a request against its operation's parameters and body schema, a response against the schema
 * documented for its status. An undocumented status, path or method is a problem.
 */
export const makeOpenApiValidator = (doc: Json) => {
  const ajv = new Ajv2020({ strict: false, allErrors: true, validateFormats: true })
  addFormats.default(ajv)
  ajv.addSchema({ ...doc, $id: "openapi.json" })
  const compiled = new Map<string, ReturnType<typeof ajv.compile>>()
  const check = (parts: ReadonlyArray<string>, value: unknown): Array<string> => {
    const ref = pointer(parts)
    let v = compiled.get(ref)
    if (!v) compiled.set(ref, (v = ajv.compile({ $ref: `openapi.json${ref}` })))
    return v(value) ? [] : (v.errors ?? []).map((e) => `${e.instancePath || "/"} ${e.message} ${JSON.stringify(e.params)}`)
  }
  const templates = Object.keys(doc.paths).map((t) => ({ t, re: new RegExp(`^${t.replace(/\{\w+\}/g, "([^/]+)")}$`) }))
  const find = (method: string, path: string) => {
    const matches = templates.filter(({ re }) => re.test(path))
    // A literal segment beats a parameter (`/jobs/lease` over `/jobs/{id}`).
    matches.sort((a, b) => (a.t.match(/\{/g)?.length ?? 0) - (b.t.match(/\{/g)?.length ?? 0))
    const hit = matches.find(({ t }) => doc.paths[t][method])
    return hit && { template: hit.t, re: hit.re, op: doc.paths[hit.t][method] as Json }
  }

  /** Checks the request side: path and query parameters (coerced from text as the server parses them) and the body. */
  const checkRequest = (method: string, url: string, body: unknown): { operation: string; problems: Array<string> } => {
    const m = method.toLowerCase()
    const [path, search = ""] = url.split("?") as [string, string?]
    const found = find(m, path)
    if (!found) return { operation: `${method} ${path}`, problems: [`${method} ${path} is not documented`] }
    const { template, re, op } = found
    const problems: Array<string> = []
    const values = re.exec(path)!.slice(1)
    const names = [...template.matchAll(/\{(\w+)\}/g)].map((x) => x[1]!)
    const query = new URLSearchParams(search)
    for (const [i, p] of (op.parameters ?? []).entries()) {
      const raw = p.in === "path" ? decodeURIComponent(values[names.indexOf(p.name)] ?? "") : query.get(p.name)
      if (raw === null) {
        if (p.required) problems.push(`missing ${p.in} parameter ${p.name}`)
        continue
      }
      const value = p.schema?.type === "integer" && /^-?\d+$/.test(raw) ? Number(raw) : raw
      problems.push(...check(["paths", template, m, "parameters", String(i), "schema"], value).map((e) => `${p.in} ${p.name}: ${e}`))
    }
    if (body !== undefined) {
      if (!op.requestBody) problems.push("a body was sent and none is documented")
      else problems.push(...check(["paths", template, m, "requestBody", "content", "application/json", "schema"], body).map((e) => `body: ${e}`))
    } else if (op.requestBody?.required) problems.push("the documented body is required")
    return { operation: `${method} ${template}`, problems }
  }

  /** Checks the response side: the status is documented, and the body matches its schema. */
  const checkResponse = (method: string, url: string, answer: Answer): Array<string> => {
    const m = method.toLowerCase()
    const found = find(m, url.split("?")[0]!)
    if (!found) return [`${method} ${url} is not documented`]
    const response = found.op.responses[String(answer.status)]
    if (!response) return [`status ${answer.status} is not documented for ${method} ${found.template} (body ${JSON.stringify(answer.body).slice(0, 200)})`]
    const media = Object.keys(response.content ?? {})[0]
    if (!media) return answer.body === null || answer.body === "" ? [] : [`status ${answer.status} documents no body, got one`]
    if (!media.startsWith("application/json")) return []
    return check(["paths", found.template, m, "responses", String(answer.status), "content", media, "schema"], answer.body).map(
      (e) => `response ${answer.status}: ${e} (body ${JSON.stringify(answer.body).slice(0, 300)})`
    )
  }

  return { checkRequest, checkResponse }
}
export type OpenApiValidator = ReturnType<typeof makeOpenApiValidator>

/**
 * Wraps a harness `Call` so every exchange is validated both ways and recorded. A request that the
 * server accepted (2xx) must validate against the document; so must every response, for its status.
 */
export const validatingCall = (call: Call, v: OpenApiValidator, record: Array<Exchange>): Call =>
  async (method, path, body, headers) => {
    const sent = typeof body === "string" ? safeParse(body) : body
    const request = v.checkRequest(method, path, sent)
    const answer = await call(method, path, body, headers)
    record.push({ operation: request.operation, status: answer.status, problems: v.checkResponse(method, path, answer), requestProblems: request.problems })
    return answer
  }

const safeParse = (text: string): unknown => {
  try {
    return JSON.parse(text)
  } catch {
    return text
  }
}
