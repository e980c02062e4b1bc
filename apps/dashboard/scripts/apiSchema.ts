import { execFileSync } from "node:child_process"
import { fileURLToPath } from "node:url"
import openapiTS, { astToString } from "openapi-typescript"

/** Where the generated types live (gitignored: generated before every build, typecheck and test). */
export const SCHEMA_FILE = fileURLToPath(new URL("../src/api/schema.ts", import.meta.url))

const PRINT = fileURLToPath(new URL("../../master/src/openapi/printOpenApi.ts", import.meta.url))
const HEADER = "// Generated from the master's OpenAPI document by scripts/genApi.ts (build, typecheck, test). Do not edit.\n"

/** The master's OpenAPI document, printed by its own process (the dashboard imports no app). */
export const masterDocument = (): object =>
  JSON.parse(execFileSync(process.execPath, ["--import", "tsx", PRINT], { encoding: "utf8", maxBuffer: 64 * 1024 * 1024 }))

/** The TypeScript the document generates, as the committed file should read. */
export const generateSchema = async (): Promise<string> => HEADER + astToString(await openapiTS(masterDocument() as never))
