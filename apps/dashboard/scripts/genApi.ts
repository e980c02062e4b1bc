import { writeFileSync } from "node:fs"
import { SCHEMA_FILE, generateSchema } from "./apiSchema.ts"

/**
 * Writes src/api/schema.ts from the master's OpenAPI document; build, typecheck and test run it first,
 * so a contract change that breaks a page breaks the dashboard's typecheck, never a stale copy.
 */
writeFileSync(SCHEMA_FILE, await generateSchema())
