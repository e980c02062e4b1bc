import { existsSync } from "node:fs"
import { fileURLToPath } from "node:url"
import { defineConfig } from "vitest/config"
import { baseTestConfig } from "../../tooling/src/vitestConfig.ts"

/** The end-to-end tests run the real master: they join the run as soon as apps/master exists. */
const masterPresent = existsSync(fileURLToPath(new URL("../master/src/main.ts", import.meta.url)))
if (!masterPresent) console.warn("[worker tests] apps/master is absent: end-to-end tests are NOT run")

/** tsconfig discovery is off (tooling's tsconfig points outside the repo); files run one at a time (each spawns processes). */
export default defineConfig({
  oxc: { tsconfig: false } as never,
  test: {
    ...baseTestConfig,
    fileParallelism: false,
    include: ["src/**/*.test.ts", "test/**/*.test.ts"],
    exclude: masterPresent ? [] : ["test/e2e/**"]
  }
})
