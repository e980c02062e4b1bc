import { openApiDocument } from "./openApiDocument.ts"

/** Prints the OpenAPI document (what GET /openapi.json serves) for tools that generate clients from it. */
process.stdout.write(`${JSON.stringify(openApiDocument(), null, 2)}\n`)
