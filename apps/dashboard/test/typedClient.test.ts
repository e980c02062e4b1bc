import { execFileSync } from "node:child_process"
import { copyFileSync, mkdtempSync, rmSync, writeFileSync } from "node:fs"
import { createRequire } from "node:module"
import { join } from "node:path"
import { fileURLToPath } from "node:url"
import { afterAll, expect, it } from "vitest"
import { generateSchema } from "../scripts/apiSchema.ts"

/**
 * A client typed by openapi-typescript from the master's OpenAPI document catches a misspelt field:
 * the probe marks each typo with @ts-expect-error, and tsc fails on an expect-error that is not an error,
 * so a loose document (open objects, untyped bodies, numbers as strings) turns this test red.
 */
const HERE = fileURLToPath(new URL(".", import.meta.url))
const dir = mkdtempSync(join(HERE, ".typed-probe-"))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

const tsc = () => {
  const bin = createRequire(import.meta.url).resolve("typescript/bin/tsc")
  const args = [bin, "--noEmit", "--strict", "--skipLibCheck", "--target", "ES2022", "--module", "ESNext", "--moduleResolution", "Bundler",
    "--allowImportingTsExtensions", "--lib", "ES2023,DOM", join(dir, "probe.ts")]
  try {
    execFileSync(process.execPath, args, { encoding: "utf8", cwd: dir })
    return { code: 0, out: "" }
  } catch (e) {
    const err = e as { status: number; stdout: string }
    return { code: err.status, out: err.stdout }
  }
}

it("a client generated with openapi-typescript rejects misspelt fields, wrong types and unknown paths", async () => {
  writeFileSync(join(dir, "schema.ts"), await generateSchema())
  copyFileSync(join(HERE, "typedClient", "probe.ts.txt"), join(dir, "probe.ts"))
  const result = tsc()
  expect(result.out).toBe("")
  expect(result.code).toBe(0)
})

it("the probe's check can fail: a typo left unmarked is reported", async () => {
  writeFileSync(join(dir, "schema.ts"), await generateSchema())
  writeFileSync(
    join(dir, "probe.ts"),
    `import createClient from "openapi-fetch"\nimport type { paths } from "./schema.ts"\nconst client = createClient<paths>({ baseUrl: "http://x" })\nexport const typo = () => client.POST("/api/v1/jobs", { body: { typ: "x" } })\n`
  )
  const result = tsc()
  expect(result.code).not.toBe(0)
  expect(result.out).toMatch(/probe\.ts/)
})
