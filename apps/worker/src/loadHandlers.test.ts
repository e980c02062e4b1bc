import { fileURLToPath } from "node:url"
import { dirname } from "node:path"
import { describe, expect, it } from "vitest"
import { loadHandlers, resolveHandlersPath } from "./loadHandlers.ts"

const fixtures = fileURLToPath(new URL("../test/fixtures/", import.meta.url))

describe("loadHandlers", () => {
  it("loads a JavaScript module and a TypeScript module", async () => {
    const js = await loadHandlers(`${fixtures}plain-handlers.js`)
    expect(Object.keys(js).sort()).toEqual(["echo", "greet"])
    expect(await js.greet?.({ payload: "x" } as never, {} as never)).toEqual({ hello: "x" })
    const ts = await loadHandlers(`${fixtures}handlers.ts`)
    expect(Object.keys(ts)).toContain("record")
  })

  it("rejects a module whose default export is not a map of functions", async () => {
    await expect(loadHandlers(`${fixtures}not-handlers.ts`)).rejects.toThrow(/handler "broken" is not a function/)
  })

  it("resolves a relative path against where the user ran the command, else the working directory", () => {
    const parent = dirname(fixtures.replace(/\/$/, ""))
    expect(resolveHandlersPath("fixtures/plain-handlers.js", [parent, "/nowhere"])).toBe(`${fixtures}plain-handlers.js`)
    expect(resolveHandlersPath("fixtures/plain-handlers.js", ["/nowhere", parent])).toBe(`${fixtures}plain-handlers.js`)
    expect(resolveHandlersPath("/abs/h.js", ["/x"])).toBe("/abs/h.js")
  })
})
